; m14: KVM_SET_PIT2 as a VMM restores the 8254 (iovmm.c ports 0xee, 0xf0,
; 0xf1), and the x2APIC's KVM_SET_LAPIC. The channels as given (a count of 0
; loads 0x10000: kvm_pit_load_count), seen through KVM_GET_PIT2, the
; read-back status and port 0x61's gate; KVM_PIT_FLAGS_HPET_LEGACY: channel 0
; has no timer (no IRQ 0 in 2 ms with a 214 us period), and once cleared
; it ticks; a latched status restored is read again; the gate restored. In
; x2APIC mode, KVM_SET_LAPIC with another ID (bits 31:24, no
; KVM_CAP_X2APIC_API): the ID and LDR the guest reads (kvm_apic_state_fixup
; derives the LDR from the given ID), IPIs to both IDs, physical and logical.
; Then the refused calls with a PIT (no state: EFAULT).
; Not printed, being time: OUT (status bit 7, port 0x61 bit 5), the refresh
; bit (0x61 bit 4), counts, how many ticks came before IRQ 0 was masked (set
; back to 1), and the PIC's IRR once channel 0 ran (no KVM_GET_IRQCHIP then).
%define IO_FLAGS IO_IRQCHIP | IO_PIT
%include "io.inc"
%define TICKS SHARED			; IRQ 0s
%define TIMER SHARED + 4		; the LAPIC timer (0x61) fired
%define ORDER SHARED + 8		; the x2APIC part's vectors, a byte each
io_main:
	call setup_idt
	lapic_write 0xf0, 0x1ff
	mov dword [TICKS], 0
	mov dword [TIMER], 0
	mov dword [ORDER], 0
	; the PICs: master base 0x20, slave 0x28, cascade on 2, all masked
	pic_init 0xff, 0xff
	; the channels, HPET legacy: 0 mode 2 0x100, 1 mode 3 0x1234, 2 mode 0 count 0 gate low
	mov al, 7
	out 0xee, al
	out 0xeb, al
	xor eax, eax
	in al, 0x61
	and al, 0xcf
	out 0xe0, eax			; gate 2 low
	call status
	out 0xe0, eax			; 0x34, 0x36, 0x30 (OUT masked)
	; IRQ 0 open for 2 ms (LAPIC timer): none under HPET legacy
	mov al, 0xfe
	out 0x21, al
	call wait2ms
	report [TICKS]			; 0
	; a status latched (read-back, channel 1), saved, read, restored, read again
	mov al, 0xe4
	out 0x43, al
	mov al, 8
	out 0xf0, al			; saved: HPET legacy, channel 1's status latched, gate 2 low
	xor eax, eax
	in al, 0x41
	and al, 0x7f
	out 0xe0, eax			; 0x36
	out 0xeb, al			; status_latched 0
	in al, 0x61
	or al, 1
	out 0x61, al			; gate 2 high
	xor eax, eax			; flags: the OR's held bits 4 and 5 (time)
	; HPET legacy off: channel 0 ticks
	mov al, 8
	out 0xee, al
.w1:	cmp dword [TICKS], 1
	jae .w1done
	sti
	hlt
	cli
	jmp .w1
.w1done:
	mov dword [TICKS], 1		; more may have come before the mask (time)
	report 0x1420
	mov al, 8
	out 0xf1, al			; restored: HPET legacy (no timer), status latched, gate low
	xor eax, eax
	in al, 0x61
	and al, 0xcf
	out 0xe0, eax			; gate 2 low again
	out 0xeb, al			; status_latched 1
	xor eax, eax
	in al, 0x41
	and al, 0x7f
	out 0xe0, eax			; 0x36 again
	; --- x2APIC: KVM_SET_LAPIC with ID 3 ---
	mov ecx, 0x1b
	rdmsr
	or eax, 0xc00
	wrmsr
	mov ecx, 0x802
	rdmsr
	out 0xe0, eax			; ID 0
	mov ecx, 0x80d
	rdmsr
	out 0xe0, eax			; LDR 1
	mov al, 10
	out 0xee, al
	out 0xe5, al
	mov ecx, 0x802
	rdmsr
	out 0xe0, eax			; ID: as given
	mov ecx, 0x80d
	rdmsr
	out 0xe0, eax			; LDR: from it
	mov edx, 1			; logical, cluster 0, bit 0: 0x41
	mov eax, 0x841
	mov ecx, 0x830
	wrmsr
	mov edx, 8			; bit 3: 0x48
	mov eax, 0x848
	wrmsr
	xor edx, edx			; physical 0: 0x40
	mov eax, 0x40
	wrmsr
	mov edx, 3			; physical 3: 0x43
	mov eax, 0x43
	wrmsr
	sti
	nop
	cli
	report [ORDER]
	mov al, 11
	out 0xee, al			; the ID back to 0
	out 0xe5, al
	mov al, 9
	out 0xee, al			; refused calls (with a PIT)
	; the stack page: interrupt frames hold where each landed (time)
	mov edi, 0x7000
	mov ecx, 0x400
	xor eax, eax
	rep stosd
	out 0xef, al

; status -> eax: the read-back status of channels 0, 1, 2 (bytes 0-2), OUT masked
status:
	mov al, 0xee
	out 0x43, al
	xor eax, eax
	in al, 0x42
	shl eax, 8
	in al, 0x41
	shl eax, 8
	in al, 0x40
	and eax, 0x7f7f7f
	ret

; wait2ms: the LAPIC timer, one-shot, 2 ms, vector 0x61
wait2ms:
	mov dword [TIMER], 0
	lapic_write 0x3e0, 0xb
	lapic_write 0x320, 0x61
	lapic_write 0x380, 2000000
.w:	cmp dword [TIMER], 0
	jne .done
	sti
	hlt
	cli
	jmp .w
.done:	lapic_write 0x380, 0		; stopped: a KVM_SET_LAPIC would start an expired one-shot again
	ret

on_vector:
	xchg eax, [esp]
	cmp eax, 0x61
	jne .n61
	mov dword [TIMER], 1		; silent
	lapic_write 0xb0, 0
	pop eax
	iret
.n61:	cmp eax, 0x20
	jne .x2
	inc dword [TICKS]
	cmp dword [TICKS], 1
	jne .pic			; a tick before the mask: silent
	out 0xe0, eax
	mov al, 0xff
	out 0x21, al
.pic:	mov al, 0x20
	out 0x20, al
	pop eax
	iret
.x2:	out 0xe0, eax			; the x2APIC part's
	shl dword [ORDER], 8
	or [ORDER], eax
	push ecx
	push edx
	mov ecx, 0x80b			; EOI
	xor eax, eax
	xor edx, edx
	wrmsr
	pop edx
	pop ecx
	pop eax
	iret
ap_main:
	hlt
