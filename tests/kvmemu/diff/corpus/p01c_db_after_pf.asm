; issue 21 item 1: a #DB (TF) after an earlier #PF is delivered; then #UD, INT n.
%include "machine.inc"
	expect_fault .a
	mov rax, [0x20]
.a:	pushfq
	or qword [rsp], 0x100
	popfq
	add eax, 1			; #DB trap after this
	expect_fault .b
	ud2
.b:	int 0x40
	hlt
