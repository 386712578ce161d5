; KVM_NMI: vector 2 through the IVT even with IF clear.
bits 16
org 0x1000
	xor ax, ax
	mov ds, ax
	mov word [2*4], handler
	mov word [2*4+2], 0
	cli
	out 0xf0, al		; the host sends the NMI here
	hlt
handler:
	out 0xf1, al
	iret
