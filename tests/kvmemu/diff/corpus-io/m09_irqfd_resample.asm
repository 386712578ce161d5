; m09: KVM_IRQFD with KVM_IRQFD_FLAG_RESAMPLE (eventfd.c, the resampler):
; GSI 12 on IOAPIC pin 12, level, 0x5c. The irqfd's write raises the line
; and keeps it up; the guest's EOI lowers it and signals the resamplefd
; (efd 7), which the guest reads after the EOI: 1, then 0.
%define IO_FLAGS IO_IRQCHIP | IO_FDS | IO_RESAMPLE
%include "io.inc"
%define GOT SHARED
io_main:
	call setup_idt
	lapic_write 0xf0, 0x1ff
	mov al, 0xff
	out 0x21, al
	out 0xa1, al
	ioapic_write 0x29, 0
	ioapic_write 0x28, 0x805c	; pin 12: level, 0x5c
	cli
	mov al, 7
	out 0xe7, al			; resamplefd: 0
	mov al, 6
	out 0xe6, al			; irqfd -> GSI 12
.w:	cmp dword [GOT], 0x5c
	je .got
	sti
	hlt
	cli
	jmp .w
.got:	mov al, 7
	out 0xe7, al			; 1: the EOI resampled
	mov al, 7
	out 0xe7, al			; 0
	ioapic_read 0x28
	out 0xe0, eax			; remote IRR clear, line low
	mov dword [GOT], 0		; no second interrupt: the line is low
	sti
	nop
	cli
	mov eax, [GOT]
	out 0xe0, eax
	report 0x900
	out 0xef, al

on_vector:
	xchg eax, [esp]
	out 0xe0, eax
	mov [GOT], eax
	mov eax, [esp + 4]
	out 0xe0, eax
	ioapic_read 0x28
	out 0xe0, eax			; remote IRR set
	lapic_write 0xb0, 0
	pop eax
	iret
ap_main:
	hlt
