; Interrupts per second: the PIC's IRQ 1 (vector 0x21) taken in HLT 50000
; times. The handler counts in CX, ends the interrupt (EOI) and asks for the
; next one with OUT 0xf0 (the VMM pulses GSI 1 with KVM_IRQ_LINE); after
; the last it reports with OUT 0xf1. Needs the IVT (a slot at 0) and the
; in-kernel irqchip (irqvmm.c).
bits 16
org 0x1000
	xor ax, ax
	mov ds, ax
	mov word [0x21*4], irq1
	mov word [0x21*4+2], 0
	mov al, 0x11
	out 0x20, al
	mov al, 0x20
	out 0x21, al
	mov al, 0x04
	out 0x21, al
	mov al, 0x01
	out 0x21, al
	mov al, 0xfd
	out 0x21, al
	xor cx, cx
	out 0xf0, al		; the first request
	sti
idle:	hlt
	jmp idle
irq1:
	inc cx
	mov al, 0x20
	out 0x20, al
	cmp cx, 50000
	jae done
	out 0xf0, al
	iret
done:	out 0xf1, al
	iret
