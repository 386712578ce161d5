; Unaligned MMIO reads (test_lm.c mmio_unaligned_read).
bits 64
org 0x1000
	mov rsp, 0x9000
	mov rax, [0x100003]
	out 0xe9, eax
	shr rax, 32
	out 0xe9, eax
	mov ax, [0x100041]
	out 0xe9, eax
	hlt
