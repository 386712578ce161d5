; A read straddling RAM and MMIO (test_lm.c straddling_read).
bits 64
org 0x1000
	mov rsp, 0x9000
	mov rax, [0xffffc]		; 4 bytes of RAM, 4 of MMIO at 0x100000
	out 0xe9, eax
	shr rax, 32
	out 0xe9, eax
	hlt
