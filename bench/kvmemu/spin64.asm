; spin.asm's loop in long mode (entered by the guest, lm.inc): 2 instructions
; x 250M iterations (500M instructions), then hlt.
org 0x1000
%include "lm.inc"
lm:	mov ecx, 250000000
.l:	dec ecx
	jnz .l
	hlt
