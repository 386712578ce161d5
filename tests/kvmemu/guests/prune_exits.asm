; More exits than exits_prune's 1024 (cpu.c) that no stop ever comes to (test_exits.c
; prune_exits): 600 `mov ebx, 0xecececec` hold 2400 EC bytes inside immediates, 2048 of them in
; the first block (512 instructions). Three passes, each ended by `out 0x10, al` (AL = the
; pass), then an HLT.
bits 16
org 0x1000
	mov cx, 3
	xor ax, ax
.pass:
	inc ax
%rep 600
	mov ebx, 0xecececec
%endrep
	out 0x10, al
	dec cx
	jnz near .pass
	hlt
