; Paged stores in long mode (lm.inc): 3 instructions x 100M iterations
; (300M instructions, 100M stores through the guest's page tables), then hlt.
org 0x1000
%include "lm.inc"
lm:	mov ecx, 100000000
.l:	mov [0x8000], rcx
	dec ecx
	jnz .l
	hlt
