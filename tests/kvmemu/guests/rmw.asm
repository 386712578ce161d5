; A read-modify-write on MMIO: a read exit, then a write exit.
bits 16
org 0x1000
	mov ax, 0x2000		; 0x1000
	mov ds, ax		; 0x1003
	add byte [0x40], 5	; 0x1005
	hlt			; 0x100a
