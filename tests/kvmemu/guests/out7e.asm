; OUT to port 0x7e, by imm8 and by DX: KVM_X86_QUIRK_OUT_7E_INC_RIP, and a control.
bits 16
org 0x1000
	mov dx, 0x7e		; 0x1000
	mov ax, 0x215a		; 0x1003
	out 0x7e, al		; 0x1006
	out dx, al		; 0x1008
	out dx, ax		; 0x1009
	out 0x7f, al		; 0x100a: not the quirk's port
	hlt			; 0x100c
