; Reads slot 1 (0x20000) and slot 2 (0x30000), writes slot 2.
bits 16
org 0x1000
	mov ax, 0x2000
	mov ds, ax
	mov al, [0]
	out 0x10, al
	mov ax, 0x3000
	mov ds, ax
	mov al, [0]
	out 0x11, al
	mov byte [1], 0x5a
	hlt
