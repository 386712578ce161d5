; issue 21 item 10: a non-canonical access through RBP: #SS(0), not #GP.
%include "machine.inc"
	mov rbp, 0x0000900000000000
	expect_fault .a
	mov rax, [rbp + 8]
.a:	mov rsi, 0x0000900000000000
	expect_fault .b
	mov rax, [rsi]			; not through RBP/RSP: #GP(0)
.b:	hlt
