; MOV from CR0 in a loop, in the middle of its block (test_lm.c
; cr0_in_loop): kvmemu stops before every 0f 20 / 0f 22 it finds the first
; time, and lets the engine run those it doesn't emulate (CR0); the loop must
; then run on: three OUTs of CR0.
bits 64
org 0x1000
	mov rsp, 0x9000
	mov ecx, 3
	jmp .again			; the loop's block starts at .again
.again:	xor eax, eax
	mov rax, cr0
	out 0xe9, eax
	dec ecx
	jnz .again
	hlt
