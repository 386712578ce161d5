; Spin forever.
bits 16
org 0x1000
	jmp $			; 0x1000
