; In-kernel PIT + PIC: channel 0 in mode 2 at 1193 (about 1 ms); the guest
; counts 5 ticks (IRQ 0, vector 0x20) in hlt, then reports the count (out 0xf0).
bits 16
org 0x1000
	xor ax, ax
	mov ds, ax
	mov word [0x20*4], irq0
	mov word [0x20*4+2], 0
	mov al, 0x11
	out 0x20, al
	mov al, 0x20
	out 0x21, al
	mov al, 0x04
	out 0x21, al
	mov al, 0x01
	out 0x21, al
	mov al, 0xfe		; only IRQ 0
	out 0x21, al
	mov al, 0x34		; channel 0, lo/hi, mode 2
	out 0x43, al
	mov al, 1193 & 0xff
	out 0x40, al
	mov al, 1193 >> 8
	out 0x40, al
	xor cx, cx
	sti
idle:
	hlt
	cmp cx, 5
	jb idle
	cli
	mov ax, cx
	out 0xf0, al
	hlt
irq0:
	inc cx
	mov al, 0x20
	out 0x20, al
	iret
