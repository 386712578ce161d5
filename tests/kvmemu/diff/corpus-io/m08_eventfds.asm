; m08: eventfds and MSIs (virt/kvm/eventfd.c, irq_comm.c; iovmm's IO_FDS sets
; the routes and fds up). KVM_IRQFD on GSI 11 (IOAPIC pin 11, edge, 0x5b)
; and on GSI 24 (an MSI route, vector 0x44); KVM_SIGNAL_MSI (0x45);
; KVM_IRQ_LINE_STATUS on the MSI route, level 1 (delivered) and 0 (-1: an MSI
; has no level); on GSI 40, which has no route. KVM_IOEVENTFD: a guest write that matches signals its
; eventfd without an exit; one that doesn't match (other data, other size)
; exits as usual. The guest asks for each count at points it chooses.
; Then a new routing table changes GSI 24's MSI under its irqfd, and a
; deassigned irqfd's eventfd only counts.
; An irqfd's interrupt may arrive any time after the write (a work item): the
; guest waits for it in `sti; hlt` with IF clear before, so it lands after
; the HLT.
%define IO_FLAGS IO_IRQCHIP | IO_FDS
%include "io.inc"
%define GOT SHARED
%macro wait_for 1
%%w:	cmp dword [GOT], %1
	je %%d
	sti
	hlt
	cli
	jmp %%w
%%d:
%endmacro
io_main:
	call setup_idt
	lapic_write 0xf0, 0x1ff
	mov al, 0xff			; the PICs masked (ICW-less: reset state)
	out 0x21, al
	out 0xa1, al
	; the IOAPIC's registers (ioapic_read/write_indirect): all ones into pin 20
	ioapic_write 0x38, 0xffffffff
	ioapic_read 0x38
	out 0xe0, eax			; remote IRR and delivery status read-only
	ioapic_write 0x39, 0xffffffff
	ioapic_read 0x39
	out 0xe0, eax
	ioapic_write 0x38, 0x10000
	ioapic_write 0x39, 0
	ioapic_write 0, 0xffffffff
	ioapic_read 0
	out 0xe0, eax			; the ID register: bits 27:24
	ioapic_write 0, 0
	ioapic_read 2
	out 0xe0, eax			; arbitration
	ioapic_read 0x40
	out 0xe0, eax			; past the last pin
	ioapic_write 0x27, 0
	ioapic_write 0x26, 0x5b		; pin 11: edge, 0x5b
	cli
	mov al, 0
	out 0xe6, al			; irqfd -> GSI 11
	wait_for 0x5b
	mov al, 0
	out 0xe7, al			; 0: the irqfd consumed its count
	mov al, 1
	out 0xe6, al			; irqfd -> GSI 24 (MSI 0x44)
	wait_for 0x44
	mov al, 0x45
	out 0xe8, al			; KVM_SIGNAL_MSI
	wait_for 0x45
	mov al, 24
	out 0xe3, al			; KVM_IRQ_LINE_STATUS on the MSI route
	wait_for 0x44
	mov al, 24
	out 0xe4, al			; level 0: nothing
	mov dword [GOT], 0
	sti
	nop
	cli
	mov eax, [GOT]
	out 0xe0, eax			; still 0
	mov al, 40
	out 0xe3, al			; GSI 40 has no route: status -1
	; ioeventfds: PIO 0xd0/1 any data
	mov al, 2
	out 0xe7, al			; 0 before
	mov al, 0x11
	out 0xd0, al			; no exit
	out 0xd0, al
	mov al, 2
	out 0xe7, al			; 2
	mov ax, 0x1111
	out 0xd0, ax			; two bytes at a one-byte fd: an exit
	mov al, 2
	out 0xe7, al			; 0
	; PIO 0xd2/2 datamatch 0x1234
	mov ax, 0x1234
	out 0xd2, ax			; no exit
	mov ax, 0x1235
	out 0xd2, ax			; an exit
	mov al, 0x34
	out 0xd2, al			; one byte: an exit
	mov al, 3
	out 0xe7, al			; 1
	; MMIO 0xd0000000/4 any data, 0xd0000008/4 datamatch 0xcafe
	mov dword [0xd0000000], 0x77	; no exit
	mov word [0xd0000000], 0x77	; two bytes: an exit
	mov eax, [0xd0000000]		; a read: an exit
	mov dword [0xd0000008], 0xcafe	; no exit
	mov dword [0xd0000008], 0xcaff	; an exit
	mov al, 4
	out 0xe7, al			; 1
	mov al, 5
	out 0xe7, al			; 1
	mov al, 3
	out 0xe7, al			; 0 (read before)
	; a new routing table under an irqfd: GSI 24's MSI is now 0x46 (irqfd_update)
	mov al, 0x46
	out 0xec, al
	mov dword [GOT], 0
	mov al, 1
	out 0xe6, al			; irqfd -> GSI 24: 0x46
	wait_for 0x46
	mov al, 1
	out 0xed, al			; deassign it
	mov dword [GOT], 0
	mov al, 1
	out 0xe6, al			; its eventfd now only counts
	sti
	nop
	cli
	mov eax, [GOT]
	out 0xe0, eax			; 0: no interrupt
	mov al, 1
	out 0xe7, al			; 1: the count stays in the eventfd
	out 0xe5, al
	out 0xea, al			; KVM_GET_IRQCHIP: pin 11 edge 0x5b, no IRR
	report 0x800
	out 0xef, al

on_vector:
	xchg eax, [esp]
	out 0xe0, eax			; the vector
	mov [GOT], eax
	mov eax, [esp + 4]
	out 0xe0, eax			; where it landed
	lapic_write 0xb0, 0
	pop eax
	iret
ap_main:
	hlt
