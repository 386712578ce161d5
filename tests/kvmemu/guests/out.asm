; OUT in every form: dx and imm8 port, size 1/2/4. Data = low bytes of EAX.
bits 16
org 0x1000
	mov dx, 0x3f8		; 0x1000
	mov eax, 0x44332211	; 0x1003
	out dx, al		; 0x1009
	out dx, ax		; 0x100a
	out dx, eax		; 0x100b
	out 0x80, al		; 0x100d
	out 0x81, ax		; 0x100f
	out 0x82, eax		; 0x1011
	hlt			; 0x1014
