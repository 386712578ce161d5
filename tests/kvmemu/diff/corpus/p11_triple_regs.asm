; issue 21 item 11: GET_REGS after a triple fault (IDT limit 0, #UD).
%include "machine.inc"
	lidt [.none]
	mov eax, 0x7fffffff
	add eax, 1
	ud2
.none:	dw 0
	dq 0
