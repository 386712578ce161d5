; m10: RFLAGS.RF after an IRET that restores it. KVM injects a #GP for RDMSR
; of an x2APIC MSR in xAPIC mode with RF set in the pushed RFLAGS (a fault:
; x86.c kvm_inject_exception), the handler IRETs past the RDMSR with RF = 1,
; and the CPU clears RF once an instruction after it completes (SDM vol. 3,
; 17.3.1.1). The OUT right after the IRET exits with RF set (it didn't
; complete); after a NOP both sides still show it set (QEMU's TCG: FACTS.md);
; after an RDMSR that KVM completes, the oracle shows it clear.
%define IO_FLAGS IO_IRQCHIP
%include "io.inc"
io_main:
	call setup_idt
	mov ecx, 0x802
	rdmsr				; #GP
	out 0xe0, al			; RF 1
	nop
	out 0xe0, al			; RF 1 on both sides
	mov ecx, 0x802
	rdmsr				; #GP
	mov ecx, 0x1b
	rdmsr				; IA32_APIC_BASE: KVM completes it
	out 0xe0, al			; RF 0 on the oracle
	out 0xef, al

on_vector:
	xchg eax, [esp]
	out 0xe0, eax			; the vector
	mov eax, [esp + 16]
	out 0xe0, eax			; the pushed RFLAGS: RF set
	add dword [esp + 8], 2		; past the RDMSR
	pop eax
	add esp, 4			; the error code
	iret
ap_main:
	hlt
