; User-space irqchip: the guest runs with IF clear, then sets it. The host
; asks for an interrupt window, injects vector 0x30 (KVM_INTERRUPT) when it
; opens; the handler reports (out 0xf1) and returns.
bits 16
org 0x1000
	xor ax, ax
	mov ds, ax
	mov word [0x30*4], handler
	mov word [0x30*4+2], 0
	cli
	out 0xf0, al		; 0x1010: IF clear here
	mov cx, 100
spin:	loop spin		; still IF clear: no window
	sti
	nop
	nop
	mov al, bl
	out 0xf2, al		; after the handler: bl = its mark
	hlt
handler:
	mov bl, 0x55
	out 0xf1, al
	iret
