; 600 distinct OUT sites to port 0x80 (600 exits: more sites than kvmemu had
; instruction hooks for, past which every instruction was hooked), then the
; dec/jnz loop of spin.asm: 500M instructions, then hlt.
bits 16
org 0x1000
%rep 600
	out 0x80, al
	nop
%endrep
	mov ecx, 250000000
.l:	dec ecx
	jnz .l
	hlt
