; A loop of near calls, interrupted from outside (test_exits.c
; signal_between_blocks). Each stop between two blocks must resume at the
; block's first instruction: a CALL executed again pushes twice, and the loop
; then sees SP off its mark and reports it with OUT 0x11.
bits 16
org 0x1000
	hlt			; 0x1000
	out 0x10, al		; 0x1001: right after an F4 byte, an instruction hook
	xor ax, ax
	mov ss, ax
	mov sp, 0x8000
again:
	call f			; f is a block of its own, entered by a chained jump
	cmp sp, 0x8000
	jne bad
	inc dword [count]	; how far the loop got (the test reads it)
	jmp again
f:
	ret
bad:
	mov ax, sp
	out 0x11, ax
	hlt
align 4
count:	dd 0
