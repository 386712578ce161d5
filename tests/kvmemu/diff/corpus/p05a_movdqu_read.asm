; issue 21 item 5: a 16-byte MMIO read (MOVDQU): two 8-byte exits on KVM.
%include "machine.inc"
	movdqu xmm0, [MMIO + 0x40]
	movq rax, xmm0
	psrldq xmm0, 8
	movq rbx, xmm0
	out 0x10, eax
	hlt
