; issue 21 item 10: a non-canonical access with RSP as the base: #SS(0).
%include "machine.inc"
	mov rbx, 0x0000900000000000
	expect_fault .a
	mov rax, [rsp + rbx]
.a:	hlt
