; Long mode: one 2-byte store across the boundary of two slots (physical
; 0xfffff and 0x100000), one OUT, hlt. KVM logs both pages dirty.
bits 64
org 0x1000
	mov word [0xfffff], 0x1234
	out 0x80, al
	hlt
