; Long mode: one load (no store), one OUT, hlt. The only guest-memory writes
; are the CPU's own, setting Accessed bits in the page tables it walks.
bits 64
org 0x1000
	mov al, [0x5000]
	out 0x80, al
	hlt
