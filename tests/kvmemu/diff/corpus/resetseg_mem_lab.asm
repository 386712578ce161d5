; issue 21: a mem_lab VMM that keeps the reset segments (CS base 0xffff0000)
; and only sets CS.L: 64-bit mode ignores the CS/DS/ES/SS bases.
%define MACHINE_FLAGS RESET_SEGMENTS
%include "machine.inc"
	mov rax, [SLOT1 + 8]
	mov [SCRATCH], rax
	out 0x10, eax
	hlt
