; issue 21 item 3: the RFLAGS pushed to a handler after an MMIO access.
%include "machine.inc"
	mov dword [MMIO], 1
	mov al, 0xff
	add al, 1			; CF ZF AF
	expect_fault .a
	ud2
.a:	hlt
