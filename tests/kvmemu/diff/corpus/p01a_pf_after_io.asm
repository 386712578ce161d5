; issue 21 item 1: a #PF after the vCPU's first I/O exit is delivered (kvmemu: INTERNAL_ERROR).
%include "machine.inc"
	out 0x10, al
	expect_fault .a
	mov rax, [0x10]			; page 0 not present
.a:	hlt
