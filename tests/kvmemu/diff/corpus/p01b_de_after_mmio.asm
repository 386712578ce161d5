; issue 21 item 1: a #DE after an MMIO exit is delivered.
%include "machine.inc"
	mov rbx, [MMIO]
	xor ecx, ecx
	expect_fault .a
	div rcx
.a:	hlt
