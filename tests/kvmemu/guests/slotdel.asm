; Reads guest-physical 0x20000 in a loop.
bits 16
org 0x1000
	mov ax, 0x2000		; 0x1000
	mov ds, ax		; 0x1003
top:	mov al, [0]		; 0x1005
	out 0x10, al		; 0x1008
	jmp top			; 0x100a
