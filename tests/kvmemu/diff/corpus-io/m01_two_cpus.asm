; m01: two vCPUs on the in-kernel irqchip. The BSP wakes vCPU 1 with
; INIT-SIPI-SIPI through its ICR; the AP reports its APIC ID and comes up;
; the BSP sends it fixed IPI 0x40, whose handler writes shared memory and
; answers with IPI 0x41; each waits in sti;hlt (so an IPI lands at one RIP).
%define IO_FLAGS IO_IRQCHIP | IO_SMP
%include "io.inc"
io_main:
	call setup_idt
	lapic_write 0xf0, 0x1ff		; SVR: software-enable
	out 0xe5, al			; the BSP's LAPIC after the reset and enable
	lapic_write 0x310, 1 << 24	; INIT to APIC 1
	lapic_write 0x300, 0x4500
	lapic_write 0x310, 1 << 24	; SIPI, vector 0x10 (0x10000)
	lapic_write 0x300, 0x4610
	lapic_write 0x310, 1 << 24	; and the second, ignored (KVM: not in INIT_RECEIVED)
	lapic_write 0x300, 0x4610
.up:	pause
	cmp dword [SHARED], 1		; the AP is up
	jne .up
	report [SHARED + 4]		; its APIC ID
	lapic_write 0x310, 1 << 24	; fixed IPI 0x40 to APIC 1
	lapic_write 0x300, 0x4040
.wait:	cli
	cmp dword [SHARED + 8], 0x41
	je .got
	sti
	hlt
	jmp .wait
.got:	report [SHARED + 12]		; what the AP wrote
	lapic_read 0x300
	out 0xe0, eax			; ICR's delivery status is idle again
.done:	pause
	cmp dword [SHARED], 2		; the AP is finished
	jne .done
	out 0xe5, al
	out 0xef, al

ap_main:
	lapic_write 0xf0, 0x1ff
	lapic_read 0x20
	mov [SHARED + 4], eax
	out 0xe0, eax			; the AP's first exit: its APIC ID
	out 0xe5, al
	mov dword [SHARED], 1
.wait:	cli
	cmp dword [SHARED + 12], 0
	jne .got
	sti
	hlt
	jmp .wait
.got:	lapic_write 0x310, 0		; IPI 0x41 back to APIC 0
	lapic_write 0x300, 0x4041
	out 0xe5, al
	report 0xa9
	mov dword [SHARED], 2
	out 0xef, al

on_vector:
	pop eax
	out 0xe0, eax			; the vector, and the frame's EIP below
	cmp eax, 0x40
	jne .not40
	mov dword [SHARED + 12], 0x1234abcd
	out 0xe5, al			; ISR bit 0x40 set
.not40:	cmp eax, 0x41
	jne .eoi
	mov [SHARED + 8], eax
.eoi:	lapic_write 0xb0, 0
	iret
