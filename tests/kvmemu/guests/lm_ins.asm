; Long mode (test_paging.c): `rep insb` into the higher-half alias, RDI and
; RCX 64-bit; the bytes land at the physical address the alias maps.
bits 64
org 0x1000
	mov rdi, 0xffffffff80005000
	mov ecx, 3
	mov dx, 0x3f8
	rep insb			; 0x1010
	hlt				; 0x1012
