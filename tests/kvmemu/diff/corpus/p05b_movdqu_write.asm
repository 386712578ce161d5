; issue 21 item 5: a 16-byte MMIO write (MOVDQU).
%include "machine.inc"
	mov rax, 0x0706050403020100
	mov rbx, 0x0f0e0d0c0b0a0908
	movq xmm0, rax
	movq xmm1, rbx
	punpcklqdq xmm0, xmm1
	movdqu [MMIO + 0x80], xmm0
	hlt
