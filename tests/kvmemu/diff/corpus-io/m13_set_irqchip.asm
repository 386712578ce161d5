; m13: the SET side of the in-kernel irqchip, as a VMM restores a snapshot
; (iovmm.c ports 0xee edit, 0xf0 save, 0xf1 restore). KVM_SET_LAPIC: an IRR
; bit delivered at the next STI, TPR (PPR follows, a self-IPI waits), ISR (a
; lower vector waits for the EOI), a snapshot taken inside a handler and
; restored after its EOI (in service again), a one-shot timer started from
; the given TMCCT, an expired one-shot saved and restored (kvm_apic_set_state
; starts it again with 0 left: it fires at once). KVM_SET_IRQCHIP: the PICs
; restored over a re-initialized master (IMR, base), IRR set and opened (the
; output follows: kvm_pic_update_irq), ISR restored (a lower IRQ waits for
; the EOI); the IOAPIC restored over masked entries and IOREGSEL, an edge IRR
; bit injected (kvm_ioapic_inject_all), a level one with Remote IRR held until
; the entry is rewritten; the slave restored with a request (through the
; cascade), the master restored rotated in auto-EOI mode. KVM_SET_LAPIC with
; another xAPIC ID (IPIs to it and to the old one), with the timer's mode
; changed (apic_update_lvtt clears TMICT). Then what KVM refuses (chip 3,
; SET_PIT2 without a PIT, no state), and last the IOAPIC's base moved
; (it answers at neither page) and a read past its 0x100 bytes (an exit: IO6, fixed). Time is not in the trace: the timer's deliveries are
; counted, not placed.
%define IO_FLAGS IO_IRQCHIP
%include "io.inc"
%define ORDER SHARED			; the vectors so far, a byte each
%define TICKS SHARED + 4		; the timer's (0x62) deliveries
%macro selfipi 1
	lapic_write 0x300, 0x40000 | %1
%endmacro
%macro window 0				; where pending interrupts are taken
	sti
	nop
	cli
%endmacro
io_main:
	call setup_idt
	lapic_write 0xf0, 0x1ff
	mov dword [ORDER], 0
	mov dword [TICKS], 0
	; the PICs: master base 0x20, slave 0x28, cascade on 2, all masked
	pic_init 0xff, 0xff
	; --- KVM_SET_LAPIC ---
	mov al, 0
	out 0xee, al			; IRR: 0x50
	out 0xe5, al
	window				; 0x50
	mov al, 1
	out 0xee, al			; TPR 0x60
	lapic_read 0x80
	out 0xe0, eax
	lapic_read 0xa0
	out 0xe0, eax			; PPR 0x60
	selfipi 0x55
	window				; held: class 5 < 6
	report 0x1355
	lapic_write 0x80, 0
	window				; 0x55
	mov al, 3
	out 0xee, al			; ISR: 0x70
	lapic_read 0xa0
	out 0xe0, eax			; PPR 0x70
	selfipi 0x65
	window				; held
	report 0x1365
	lapic_write 0xb0, 0		; 0x70's EOI
	window				; 0x65
	report [ORDER]			; 0x50, 0x55, 0x65
	selfipi 0x71
	window				; 0x71: its handler saves the LAPIC, then EOIs
	lapic_read 0xa0
	out 0xe0, eax			; PPR 0
	mov al, 1
	out 0xf1, al			; restored: 0x71 in service again
	lapic_read 0xa0
	out 0xe0, eax			; PPR 0x70
	out 0xe5, al
	lapic_write 0xb0, 0
	; the timer: one-shot 0x62 of 1 ms, 0x1000 left
	mov al, 2
	out 0xee, al
.t1:	cmp dword [TICKS], 1
	jae .t1done
	sti
	hlt
	cli
	jmp .t1
.t1done:
	lapic_read 0x390
	out 0xe0, eax			; TMCCT 0: expired
	mov al, 1
	out 0xf0, al			; saved expired (TMCCT 0)
	out 0xf1, al			; restored: fires again at once
.t2:	cmp dword [TICKS], 2
	jae .t2done
	sti
	hlt
	cli
	jmp .t2
.t2done:
	report [TICKS]			; 2
	lapic_write 0x320, 0x10000
	; --- KVM_SET_IRQCHIP: the PICs ---
	mov al, 2
	out 0xf0, al			; saved: base 0x20, all masked
	mov al, 0x11
	out 0x20, al
	mov al, 0x40
	out 0x21, al
	mov al, 4
	out 0x21, al
	mov al, 1
	out 0x21, al
	mov al, 0
	out 0x21, al			; master: base 0x40, open
	in al, 0x21
	out 0xe0, eax			; 0
	mov al, 2
	out 0xf1, al
	xor eax, eax
	in al, 0x21
	out 0xe0, eax			; 0xff again
	out 0xea, al
	mov al, 4
	out 0xee, al			; IRR 3 and open: 0x23 at the STI
	window				; 0x23: its handler saves the PICs, then EOIs
	mov al, 0x0b
	out 0x20, al			; OCW3: read ISR
	xor eax, eax
	in al, 0x20
	out 0xe0, eax			; 0
	mov al, 2
	out 0xf1, al			; IRQ 3 in service again (and OCW3's IRR select, as saved)
	xor eax, eax
	in al, 0x20
	out 0xe0, eax			; IRR: 0
	mov al, 0x0b
	out 0x20, al
	xor eax, eax
	in al, 0x20
	out 0xe0, eax			; ISR: 8
	out 0xea, al
	mov al, 0xe7
	out 0x21, al			; IRQ 4 open too
	mov al, 4
	out 0xe3, al
	mov al, 4
	out 0xe4, al
	window				; held: IRQ 4 is lower than 3
	report 0x1324
	mov al, 0x20
	out 0x20, al			; EOI for IRQ 3
	window				; 0x24
	mov al, 0xff
	out 0x21, al
	mov al, 0x0a
	out 0x20, al			; OCW3: back to IRR
	out 0xea, al
	; --- KVM_SET_IRQCHIP: the IOAPIC ---
	ioapic_write 0x16, 0x53		; pin 3: 0x53, edge, to APIC 0
	ioapic_write 0x17, 0
	mov dword [IOAPIC], 0x12
	mov al, 4
	out 0xf0, al			; saved
	ioapic_write 0x16, 0x10000
	mov dword [IOAPIC], 0x01
	mov al, 4
	out 0xf1, al			; restored
	mov eax, [IOAPIC]
	out 0xe0, eax			; IOREGSEL 0x12
	ioapic_read 0x16
	out 0xe0, eax			; 0x53
	mov al, 3
	out 0xe3, al
	mov al, 3
	out 0xe4, al
	window				; 0x53
	mov al, 5
	out 0xee, al			; pin 5 edge 0x55 with its IRR bit
	window				; 0x55
	mov al, 6
	out 0xee, al			; pin 6 level 0x56, Remote IRR, IRR
	window				; held
	out 0xea, al
	report 0x1356
	ioapic_write 0x1c, 0x56		; edge: Remote IRR cleared
	ioapic_write 0x1c, 0x8056	; level again, IRR still set: 0x56 (its handler lowers the line)
	window				; 0x56
	ioapic_read 0x1c
	out 0xe0, eax			; Remote IRR clear
	out 0xea, al
	report [ORDER]
	; KVM_SET_LAPIC changing the timer's mode (apic_update_lvtt)
	lapic_write 0x320, 0x50000	; TSC-deadline, masked
	mov al, 12
	out 0xee, al			; to one-shot with TMICT 1 ms
	out 0xe5, al
	lapic_write 0x320, 0x10062	; one-shot, masked
	lapic_write 0x380, 1000000
	mov al, 13
	out 0xee, al			; to TSC-deadline, TMICT as it was
	out 0xe5, al
	lapic_write 0x320, 0x10000
	; the slave restored with IRQ 10 requested: through the cascade
	mov al, 0xfb
	out 0x21, al			; IRQ 2 open
	mov al, 15
	out 0xee, al
	window				; 0x2a
	; the master restored rotated (IRQ 6 first) in auto-EOI mode
	mov al, 16
	out 0xee, al
	window				; 0x26, then 0x23: no EOI needed
	mov al, 0x0b
	out 0x20, al
	xor eax, eax
	in al, 0x20
	out 0xe0, eax			; ISR 0
	out 0xea, al			; priority_add after the rotation
	mov al, 0x11			; the master anew: base 0x20, masked
	out 0x20, al
	mov al, 0x20
	out 0x21, al
	mov al, 4
	out 0x21, al
	mov al, 1
	out 0x21, al
	mov al, 0xff
	out 0x21, al
	out 0xa1, al
	; the xAPIC ID changed by KVM_SET_LAPIC: IPIs to 3 and 0
	mov al, 10
	out 0xee, al
	lapic_read 0x20
	out 0xe0, eax			; 0x3000000
	lapic_write 0x310, 0x3000000
	lapic_write 0x300, 0x43
	lapic_write 0x310, 0
	lapic_write 0x300, 0x40
	window
	mov al, 11
	out 0xee, al
	report [ORDER]
	; --- refused ---
	mov al, 9
	out 0xee, al
	; last: the read past 0x100 below was IO6 (a first difference ends the comparison)
	; KVM_SET_IRQCHIP with the IOAPIC's base moved: where it answers
	mov al, 4
	out 0xf0, al
	mov al, 14
	out 0xee, al
	ioapic_read 1
	out 0xe0, eax			; the version at the old base
	mov dword [IOAPIC + 0x1000], 1
	mov eax, [IOAPIC + 0x1010]
	out 0xe0, eax			; at the new one
	mov al, 4
	out 0xf1, al			; back
	ioapic_read 1
	out 0xe0, eax
	mov eax, [IOAPIC + 0x100]	; past the IOAPIC's 0x100 bytes (IOAPIC_MEM_LENGTH)
	out 0xe0, eax
	; the stack page: interrupt frames hold where each landed (time for the timer's)
	mov edi, 0x7000
	mov ecx, 0x400
	xor eax, eax
	rep stosd
	out 0xef, al

on_vector:
	xchg eax, [esp]
	cmp eax, 0x62
	jne .loud
	inc dword [TICKS]		; the timer: counted
	jmp .lapic
.loud:	out 0xe0, eax
	shl dword [ORDER], 8
	or [ORDER], eax
	cmp eax, 0x71
	jne .n23
	push eax
	mov al, 1
	out 0xf0, al			; the LAPIC with 0x71 in service
	pop eax
	jmp .lapic
.n23:	cmp eax, 0x23
	jne .n56
	push eax
	mov al, 2
	out 0xf0, al			; the PICs with IRQ 3 in service
	pop eax
.n56:	cmp eax, 0x56
	jne .pic
	push eax
	mov al, 6
	out 0xe4, al			; the line low: IRR clear, no redelivery at the EOI
	pop eax
	jmp .lapic
.pic:	cmp eax, 0x30
	jae .lapic
	cmp eax, 0x28
	jb .master
	push eax
	mov al, 0x20
	out 0xa0, al			; the slave's EOI
	pop eax
.master:
	push eax
	mov al, 0x20
	out 0x20, al			; the PIC's EOI
	pop eax
	pop eax
	iret
.lapic:	lapic_write 0xb0, 0
	pop eax
	iret
ap_main:
	hlt
