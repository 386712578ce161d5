; m12: the LAPIC's priorities (lapic.c apic_update_ppr, apic_find_highest_irr,
; kvm_apic_has_interrupt). Self-IPIs (ICR shorthand self): TPR 0x50 holds
; 0x45 in IRR (PPR 0x50) until TPR drops; inside 0x45's handler a lower
; vector (0x31) waits for the EOI while a higher one (0x81) nests at STI;
; the ESR after a self-IPI with an illegal vector (5), write-then-read; an
; IPI with every reserved ICR bit set; KVM_GET_LAPIC at each step.
%define IO_FLAGS IO_IRQCHIP
%include "io.inc"
%define ORDER SHARED
%macro selfipi 1
	lapic_write 0x300, 0x40000 | %1
%endmacro
io_main:
	call setup_idt
	lapic_write 0xf0, 0x1ff
	mov dword [ORDER], 0
	lapic_write 0x80, 0x50		; TPR: class 5
	selfipi 0x45
	sti
	nop
	cli
	lapic_read 0xa0
	out 0xe0, eax			; PPR 0x50
	out 0xe5, al			; 0x45 in IRR
	lapic_write 0x80, 0
	sti
	nop				; 0x45 now
	cli
	report [ORDER]			; 0x45, 0x81 (nested), 0x31 (after the EOI): as bytes
	; an illegal vector
	lapic_write 0x280, 0
	selfipi 0x05
	lapic_write 0x280, 0		; ESR: write, then read
	lapic_read 0x280
	out 0xe0, eax
	out 0xe5, al
	; every reserved ICR bit set, and delivery status, level, trigger: fixed, self, 0xf6
	lapic_write 0x310, 0xffffffff
	lapic_write 0x300, 0xfff7f0f6
	sti
	nop
	cli
	lapic_read 0x300
	out 0xe0, eax			; the ICR kept
	lapic_read 0x310
	out 0xe0, eax
	report [ORDER]
	out 0xef, al

on_vector:
	xchg eax, [esp]
	out 0xe0, eax			; the vector
	shl dword [ORDER], 8
	or [ORDER], eax
	cmp eax, 0x45
	jne .eoi
	lapic_read 0xa0
	out 0xe0, eax			; PPR 0x40: 0x45 in service
	selfipi 0x31			; lower: waits
	selfipi 0x81			; higher: nests at the STI
	sti
	nop
	cli
	out 0xe5, al			; 0x31 still in IRR
.eoi:	lapic_write 0xb0, 0
	pop eax
	iret
ap_main:
	hlt
