; 64-bit mode with the reset segments (CS base 0xffff0000) and bases in DS
; and SS: they are ignored; FS's base is used (test_lm.c segment_bases_64).
bits 64
org 0x1000
	mov eax, [0x2000]		; DS.base 0x5000 ignored: reads 0x2000
	out 0xe9, eax
	mov eax, [fs:0x10]		; FS.base 0x3000 used: reads 0x3010
	out 0xe9, eax
	mov rsp, 0x9000
	push qword 0x1234		; SS.base ignored: lands at 0x8ff8
	mov eax, [0x8ff8]
	out 0xe9, eax
	hlt
