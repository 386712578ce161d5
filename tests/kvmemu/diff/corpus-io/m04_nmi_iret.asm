; m04: NMI blocking until IRET (SDM vol. 3, 6.7.1). The user-space irqchip's
; KVM_NMI reaches vector 2; a second KVM_NMI asked inside its handler is held
; until the handler's IRET, then delivered with the IRET's return address.
%define IO_FLAGS 0
%include "io.inc"
io_main:
	call setup_idt
	out 0xe2, al			; the first NMI: at the next entry
	report 0x300			; after both handlers
	mov eax, [SHARED]
	out 0xe0, eax			; how many handlers ran
	out 0xef, al

on_vector:
	report_vector
	inc dword [SHARED]
	cmp dword [SHARED], 1
	jne .out
	out 0xe2, al			; the second: blocked while this handler runs
	report 0x2a2			; still the first handler
.out:	pop eax
	iret
ap_main:
	hlt
