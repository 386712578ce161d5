; The guest of lwn-sample.c (kept there as bytes, as the LWN sample does);
; it assembles to exactly those bytes.
bits 16
org 0x1000
	mov dx, 0x3f8
	add al, bl
	add al, '0'
	out dx, al
	mov al, `\n`
	out dx, al
	hlt
