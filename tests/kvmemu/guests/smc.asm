; The host patches the immediate at 0x1001 between two KVM_RUNs.
bits 16
org 0x1000
top:	mov al, 1		; 0x1000 (imm at 0x1001)
	out 0x10, al		; 0x1002
	jmp top			; 0x1004
