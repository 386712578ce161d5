; outsb / rep outsb send the bytes at DS:SI, not AL.
bits 16
org 0x1000
	cld			; 0x1000
	mov si, msg		; 0x1001
	mov dx, 0x3f8		; 0x1004
	mov al, 'A'		; 0x1007
	outsb			; 0x1009  one exit, 'h'
	mov cx, 3		; 0x100a
	rep outsb		; 0x100d  three exits, 'e' 'l' 'l'
	hlt			; 0x100f
msg:	db "hell"		; 0x1010
