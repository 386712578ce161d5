; The guest rewrites its own code: a `nop` it has run becomes `out dx,al`
; (0xee), and the loop's second pass must exit there.
bits 16
org 0x1000
	mov dx, 0x3f8
	mov al, 'S'
	mov cx, 2
again:
patch:	nop				; 0x1008: `out dx,al` on the second pass
	mov byte [patch], 0xee
	dec cx
	jnz again
	hlt
