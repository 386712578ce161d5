; 200000 OUT exits to port 0x80 (not printed), then hlt.
bits 16
org 0x1000
	mov ecx, 200000
	mov dx, 0x80
.l:	out dx, al
	dec ecx
	jnz .l
	hlt
