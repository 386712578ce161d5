; Stores into a read-only slot with paging on (test_lm.c rom_write_paged).
bits 64
org 0x1000
	mov rsp, 0x9000
	mov eax, [0x100000]		; a read first: the engine's TLB holds the page
	mov byte [0x100000], 0x55	; the ROM: an MMIO write exit, then on
	mov rax, 0x1122334455667788
	mov [0x100100], rax		; another, 8 bytes
	mov ebx, [0x100100]		; the ROM is unchanged
	mov byte [0x100fff], 0x42	; and another
	mov eax, [0x100000]
	out 0xe9, eax
	mov eax, ebx
	out 0xe9, eax
	hlt
