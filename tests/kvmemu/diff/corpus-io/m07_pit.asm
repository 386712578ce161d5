; m07: the in-kernel PIT (i8254.c, KVM_PIT_SPEAKER_DUMMY as QEMU). Port 0x61
; as a kernel's TSC calibration reads it: gate 2 on, speaker off, channel 2
; mode 0, poll bit 5 (OUT2) until the count ends; the read-back status
; (command 0xe8) before and after. Then channel 0 as a rate generator (mode
; 2, ~1 ms): three IRQ 0s through the master PIC, then three through IOAPIC
; pin 0 (KVM's default route for GSI 0), each masked at its third.
; Then ELCR's writable bits, KVM_GET_IRQCHIP and KVM_GET_PIT2, and channel 2
; in mode 0 with GATE2 low for 1 ms (LAPIC timer).
; Not printed, being time: bit 4 of port 0x61 (the refresh toggle, ~15 us),
; any counter value, OUT0 in the read-back status (bit 7), how long the poll
; took, how many ticks came before a mask (the count is set back to 3), and
; OUT2 except where the count surely ended (after the poll, 1 ms after a
; 100-count load): before channel 2 is programmed (KVM_CREATE_PIT2
; loads it with 0x10000: high once 55 ms passed) and right after the 0xffff
; load (low for 55 ms: an oracle stalled that long by its host sees it high).
%define IO_FLAGS IO_IRQCHIP | IO_PIT
%include "io.inc"
%define TICKS SHARED
io_main:
	call setup_idt
	lapic_write 0xf0, 0x1ff
	; the PICs: master base 0x20, slave 0x28, all masked
	pic_init 0xff, 0xff
	xor eax, eax
	in al, 0x61
	and al, 0xcf
	out 0xe0, eax			; gate 2 off, speaker off (OUT2: time)
	; calibration: gate on, speaker off, channel 2 mode 0, count 0xffff
	in al, 0x61
	and al, 0xfd
	or al, 1
	out 0x61, al
	mov al, 0xb0
	out 0x43, al
	mov al, 0xff
	out 0x42, al
	out 0x42, al
	xor ebx, ebx
	in al, 0x61
	mov bl, al
	mov al, 0xe8			; read-back: channel 2's status
	out 0x43, al
	in al, 0x42
	mov bh, al
	mov eax, ebx
	and eax, 0x7fcf			; OUT2 (bit 5; status bit 7): time, see above
	xor ebx, ebx			; its refresh bit
	out 0xe0, eax			; gate on, speaker off; status 0x30 (lo/hi, mode 0)
	; a count of 100 (84 us): poll OUT2 as pit_calibrate_tsc does
	mov al, 0xb0
	out 0x43, al
	mov al, 100
	out 0x42, al
	mov al, 0
	out 0x42, al
.poll:	in al, 0x61
	test al, 0x20
	jz .poll
	xor ebx, ebx
	mov bl, al
	mov al, 0xe8
	out 0x43, al
	in al, 0x42
	mov bh, al
	mov eax, ebx
	and eax, 0xffef
	xor ebx, ebx			; its refresh bit
	out 0xe0, eax			; OUT2 high; status 0xb0
	in al, 0x61
	and al, 0xfc
	out 0x61, al			; gate off
	xor eax, eax
	in al, 0x61
	and al, 0xef
	out 0xe0, eax
	; gate off: mode 0 with 100 counts, then 1 ms on the LAPIC timer.
	; An 8254 holds the count while GATE is low; KVM's pit_set_gate
	; ignores the gate in mode 0 ("XXX: just disable/enable counting").
	mov al, 0xb0
	out 0x43, al
	mov al, 100
	out 0x42, al
	mov al, 0
	out 0x42, al
	lapic_write 0x3e0, 0xb
	lapic_write 0x320, 0x61
	lapic_write 0x380, 0x100000
.w0:	cmp dword [TICKS], 0x61
	je .late
	xor ecx, ecx
	sti
	hlt
	cli
	jmp .w0
.late:	mov dword [TICKS], 0
	xor eax, eax
	in al, 0x61
	and al, 0xef
	out 0xe0, eax			; OUT2 after 1 ms with the gate low
	; ELCR (0x4d0/0x4d1, the PIC's elcr_mask): all ones in, read back, then 0
	mov al, 0xff
	mov dx, 0x4d0
	out dx, al
	mov dx, 0x4d1
	out dx, al
	xor eax, eax
	mov dx, 0x4d1
	in al, dx
	shl eax, 8
	mov dx, 0x4d0
	in al, dx
	out 0xe0, eax			; 0xdef8
	out 0xea, al			; KVM_GET_IRQCHIP: the PICs as initialized, IOAPIC reset
	xor eax, eax
	mov dx, 0x4d0
	out dx, al
	mov dx, 0x4d1
	out dx, al
	xor edx, edx
	; channel 0, rate generator, 1193 (~1 ms), IRQ 0 through the PIC
	; (from here IRQ 0 may be pending at any time: no KVM_GET_IRQCHIP)
	mov al, 0x34
	out 0x43, al
	mov al, 0xa9
	out 0x40, al
	mov al, 0x04
	out 0x40, al
	mov al, 0xe2			; read-back: channel 0's status
	out 0x43, al
	xor eax, eax
	in al, 0x40
	and al, 0x7f
	out 0xe0, eax			; 0x34: lo/hi, mode 2 (OUT0 masked)
	out 0xeb, al			; KVM_GET_PIT2: channels 0 and 2 as programmed
	mov al, 0xfe
	out 0x21, al			; IRQ 0 open
.w1:	cmp dword [TICKS], 3
	jae .pic
	xor ecx, ecx			; flags the frame shows: one tick may come at the last one's IRET
	sti
	hlt
	cli
	jmp .w1
.pic:	mov dword [TICKS], 3		; more may have come before the mask (time)
	xor ecx, ecx			; and their flags
	report 0x700
	; the same through IOAPIC pin 0: vector 0x70, edge, to APIC 0
	mov dword [TICKS], 0
	ioapic_write 0x11, 0
	ioapic_write 0x10, 0x70
.w2:	cmp dword [TICKS], 3
	jae .ioapic
	xor ecx, ecx			; flags the frame shows: one tick may come at the last one's IRET
	sti
	hlt
	cli
	jmp .w2
.ioapic:
	mov dword [TICKS], 3
	xor ecx, ecx
	ioapic_read 0x10
	out 0xe0, eax			; masked
	report 0x701
	out 0xef, al

on_vector:
	xchg eax, [esp]
	cmp eax, 0x61
	jne .pit
	mov [TICKS], eax		; the LAPIC timer: silent
	lapic_write 0xb0, 0
	pop eax
	iret
.pit:	inc dword [TICKS]
	cmp dword [TICKS], 3
	ja .eoi				; a tick that came before the mask
	out 0xe0, eax			; the vector
	push eax
	mov eax, [esp + 8]
	out 0xe0, eax			; where it landed
	pop eax
	cmp dword [TICKS], 3
	jb .eoi
	cmp eax, 0x20
	jne .mask2
	mov al, 0xff
	out 0x21, al			; the third: IRQ 0 masked at the PIC
	jmp .eoi
.mask2:	ioapic_write 0x10, 0x10070	; the third: pin 0 masked
.eoi:	mov al, 0x20
	out 0x20, al			; the PIC's EOI (harmless for the IOAPIC's)
	lapic_write 0xb0, 0		; the LAPIC's (ignored with no ISR bit)
	pop eax
	iret
ap_main:
	hlt
