; RFLAGS around an MMIO read (test_lm.c rflags_at_mmio).
bits 64
org 0x1000
	mov rsp, 0x9000
	mov eax, 1
	add eax, 0xffffffff		; CF ZF PF AF
	mov ebx, [0x100000]		; MMIO read
	pushfq
	pop rax
	out 0xe9, eax
	hlt
