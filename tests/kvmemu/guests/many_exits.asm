; 200000 OUTs to port 0x80 from one site, then hlt (test_exits.c
; many_exits_one_site).
bits 16
org 0x1000
	mov ecx, 200000
	mov dx, 0x80
.l:	out dx, al
	dec ecx
	jnz .l
	hlt
