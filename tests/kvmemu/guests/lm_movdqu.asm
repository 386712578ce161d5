; 16-byte MMIO accesses (test_lm.c mmio_16_bytes).
bits 64
org 0x1000
	mov rsp, 0x9000
	movdqu xmm0, [0x100040]		; a 16-byte MMIO read
	movq rax, xmm0
	out 0xe9, eax
	psrldq xmm0, 8
	movq rax, xmm0
	out 0xe9, eax
	movdqu xmm1, [0x5000]		; bytes 0..15 from RAM
	movdqu [0x100080], xmm1		; a 16-byte MMIO write
	hlt
