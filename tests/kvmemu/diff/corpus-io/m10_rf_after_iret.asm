; m10: RFLAGS.RF after an IRET that restores it. KVM injects a #GP for RDMSR
; of an x2APIC MSR in xAPIC mode with RF set in the pushed RFLAGS (a fault:
; x86.c kvm_inject_exception), the handler IRETs past the RDMSR with RF = 1.
; The OUT right after the IRET exits with RF set (it didn't complete), and so
; does the next OUT: KVM completed the first on its fast path, which moves RIP
; only. The CPU clears RF once it completes an instruction (SDM vol. 3,
; 17.3.1.1): after a MOV the OUT shows it clear. (A NOP between two OUTs is
; where the oracle departs: QEMU's TCG keeps RF there, FACTS.md.)
%define IO_FLAGS IO_IRQCHIP
%include "io.inc"
io_main:
	call setup_idt
	mov ecx, 0x802
	rdmsr				; #GP
	out 0xe0, al			; RF 1
	out 0xe0, al			; RF 1: KVM completed the OUT before
	mov ecx, 0x802
	rdmsr				; #GP
	mov ecx, 0x1b
	rdmsr				; IA32_APIC_BASE: KVM completes it
	out 0xe0, al			; RF 0: the MOV completed
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
