; A store into a read-only slot with paging on (test_lm.c rom_write_paged).
bits 64
org 0x1000
	mov rsp, 0x9000
	mov eax, [0x100000]		; a read first: the engine's TLB holds the page
	mov byte [0x100000], 0x55	; the ROM: an MMIO write exit, then on
	mov eax, [0x100000]
	out 0xe9, eax
	hlt
