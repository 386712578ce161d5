; m03: the in-kernel irqchip, one vCPU. KVM_IRQ_LINE through the master PIC
; (LINT0 in ExtINT, as KVM resets the BSP's) and the slave; through the
; IOAPIC, edge and level (remote IRR until the EOI); the LAPIC timer one-shot;
; KVM_GET_LAPIC at each step.
%define IO_FLAGS IO_IRQCHIP
%include "io.inc"
io_main:
	call setup_idt
	lapic_write 0xf0, 0x1ff
	; the PICs: master base 0x20, slave 0x28, cascade on 2; only IRQ 3 and 10 open
	pic_init 0xf3, 0xfb		; IRQ 2 (cascade) and 3 open; IRQ 10 open
	sti
	mov al, 3
	out 0xe3, al			; raise IRQ 3: vector 0x23 at the next entry
	report 0x200
	mov al, 10
	out 0xe3, al			; IRQ 10 through the slave: vector 0x2a
	report 0x201
	cli
	; the IOAPIC: pin 5 edge -> 0x55, pin 9 level -> 0x59, both to APIC 0
	ioapic_read 1
	out 0xe0, eax			; the version register
	ioapic_write 0x1a, 0x55
	ioapic_write 0x1b, 0
	ioapic_write 0x22, 0x8059
	ioapic_write 0x23, 0
	mov al, 0xff			; the PIC masked whole for this part
	out 0x21, al
	out 0xa1, al
	sti
	mov al, 5
	out 0xe3, al			; edge: 0x55
	mov al, 5
	out 0xe4, al
	report 0x202
	mov al, 9
	out 0xe3, al			; level: 0x59, remote IRR set until the EOI
	report 0x203
	ioapic_read 0x22
	out 0xe0, eax			; remote IRR clear again (the line was lowered before the EOI)
	; the LAPIC timer, one-shot: vector 0x60, divide by 1
	cli
	lapic_write 0x3e0, 0xb
	lapic_write 0x320, 0x60
	lapic_write 0x380, 0x10000
	lapic_read 0x380
	out 0xe0, eax			; armed (its IRR bit is not shown: it may have expired by now)
.wait:	cmp dword [SHARED], 0x60
	je .fired
	sti
	hlt
	cli
	jmp .wait
.fired:	out 0xe5, al			; expired: TMICT kept
	report 0x204
	out 0xef, al

on_vector:
	xchg eax, [esp]			; the vector; the guest's EAX kept there
	out 0xe0, eax
	push eax
	mov eax, [esp + 8]
	out 0xe0, eax			; where it landed
	pop eax
	out 0xe5, al			; ISR/IRR/TMR at delivery
	cmp eax, 0x30
	jae .lapic
	cmp eax, 0x28
	jb .master
	push eax
	mov al, 10
	out 0xe4, al
	mov al, 0x20
	out 0xa0, al
	pop eax
	jmp .master2
.master:
	push eax
	mov al, 3
	out 0xe4, al
	pop eax
.master2:
	mov al, 0x20
	out 0x20, al
	pop eax
	iret
.lapic:	mov [SHARED], eax
	cmp eax, 0x59
	jne .eoi
	ioapic_read 0x22
	out 0xe0, eax			; remote IRR set
	mov al, 9
	out 0xe4, al
.eoi:	lapic_write 0xb0, 0
	pop eax
	iret
ap_main:
	hlt
