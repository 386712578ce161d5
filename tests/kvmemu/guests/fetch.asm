; Jump to guest-physical 0x20000, which is in no slot.
bits 16
org 0x1000
	jmp 0x2000:0		; 0x1000
