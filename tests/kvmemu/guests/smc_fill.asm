; Code that rewrites itself on every pass: each pass drops the translation
; of its own block and translates it again, so Unicorn's code buffer fills
; inside one KVM_RUN (test_knobs.c knob_tcg_fill).
bits 16
org 0x1000
	xor bx, bx
	mov ecx, 200000
.l:	mov [.imm], cl		; the next instruction's immediate
	db 0x80, 0xc3		; add bl, imm8
.imm:	db 0
	dec ecx
	jnz .l
	hlt
