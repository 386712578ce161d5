; MOV to CR4 sets OSFXSR, then an SSE instruction runs (test_exits.c
; cr4_osfxsr_sse): no #UD (SDM vol. 3, 2.5: CR4.OSFXSR enables SSE), OUT
; 0x10, HLT. A #UD goes through IVT entry 6 to OUT 0x66.
bits 16
org 0x1000
	xor ax, ax
	mov ds, ax
	mov word [6*4], ud
	mov word [6*4+2], 0
	mov eax, cr4
	or eax, 0x200			; OSFXSR
	mov cr4, eax
	pxor xmm0, xmm0
	out 0x10, al
	hlt
ud:	out 0x66, al
	hlt
