; NMI blocking until IRET: a second KVM_NMI while the first one's handler
; runs is held until its IRET, then lands on the IRET's return address.
bits 16
org 0x1000
	xor ax, ax
	mov ds, ax
	mov word [2*4], handler
	mov word [2*4+2], 0
	cli
	out 0xf0, al		; the host sends the first NMI here
after:	out 0xf3, al		; 0x1013: both handlers ran
	hlt
handler:
	out 0xf1, al		; the host sends the second NMI here
	out 0xf2, al		; still the first handler: the second is held
	iret
