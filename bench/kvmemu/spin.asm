; A tight loop of 2 instructions x 250M iterations (500M instructions), then hlt.
bits 16
org 0x1000
	mov ecx, 250000000
.l:	dec ecx
	jnz .l
	hlt
