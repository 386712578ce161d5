; issue 21 item 9: a reserved CR4 bit written by the guest: #GP(0).
%include "machine.inc"
	mov rax, cr4
	mov rbx, rax
	bts rax, 15
	expect_fault .a
	mov cr4, rax
.a:	mov rax, cr4
	bts rax, 26
	expect_fault .b
	mov cr4, rax
.b:	mov rcx, cr4
	hlt
