; In-kernel PIC: the guest programs the master 8259 (ports 0x20/0x21 never
; exit), unmasks IRQ 1 only, says it is ready (out 0xf0), then sti; hlt.
; The host raises GSI 1 (KVM_IRQ_LINE); vector 0x21 runs the handler, which
; reports (out 0xf1), ends the interrupt (EOI) and returns past the hlt.
bits 16
org 0x1000
	xor ax, ax		; 0x1000
	mov ds, ax
	mov word [0x21*4], irq1
	mov word [0x21*4+2], 0
	mov al, 0x11		; ICW1: edge, cascade, ICW4
	out 0x20, al
	mov al, 0x20		; ICW2: vectors 0x20-0x27
	out 0x21, al
	mov al, 0x04		; ICW3: slave on pin 2
	out 0x21, al
	mov al, 0x01		; ICW4: 8086 mode
	out 0x21, al
	mov al, 0xfd		; OCW1: only IRQ 1
	out 0x21, al
	in al, 0x21		; reads the mask back (no exit)
	out 0xf0, al		; ready: al = 0xfd
	sti
	hlt
	mov al, bl
	out 0xf2, al		; after the handler: bl = its mark
	cli
	hlt
irq1:
	mov al, 0x0b		; OCW3: read ISR
	out 0x20, al
	in al, 0x20
	out 0xf1, al		; in the handler: ISR = 0x02
	mov al, 0x20		; non-specific EOI
	out 0x20, al
	mov bl, 0x49
	iret
