; m06: x2APIC (lapic.c, kvm_x2apic_msr_read/write, kvm_apic_set_base). An
; x2APIC MSR in xAPIC mode is #GP; IA32_APIC_BASE EN|EXTD switches; ID,
; version, LDR (derived from the ID), SVR through MSRs 0x802..; DFR (gone in
; x2APIC), a write to the read-only LDR or ID, bits 63:32 set in a register
; but the ICR, a read of SELF_IPI or EOI are #GP; a self-IPI through
; SELF_IPI (0x83f) and one through the ICR (0x830, 64-bit) delivered, seen
; in ISR (0x812), EOI'd (0x80b); the xAPIC MMIO window then reads all ones
; and drops writes (KVM_X86_QUIRK_LAPIC_MMIO_HOLE); x2APIC -> xAPIC directly
; is #GP, through disabled is allowed. KVM_GET_LAPIC in x2APIC mode (no
; KVM_CAP_X2APIC_API: the ID in bits 31:24). A #GP prints 13, its error
; code and RIP, and skips the 2-byte RDMSR/WRMSR (RF cleared in its frame:
; m10 tests what an IRET with RF does).
%define IO_FLAGS IO_IRQCHIP
%include "io.inc"
%macro rd 1
	mov ecx, %1
	rdmsr
	out 0xe0, eax
%endmacro
io_main:
	call setup_idt
	lapic_write 0xf0, 0x1ff
	mov eax, 1
	cpuid
	and ecx, 1 << 21
	xor ebx, ebx			; the rest is the host's (SS, ...)
	xor edx, edx
	report ecx			; x2APIC offered
	mov eax, 0x5a5a5a5a
	rd 0x802			; #GP: xAPIC mode
	mov ecx, 0x1b
	rdmsr
	out 0xe0, eax			; 0xfee00900: BSP, enabled
	or eax, 0xc00
	wrmsr				; EN | EXTD
	rd 0x1b
	rd 0x802			; ID
	rd 0x803			; version
	rd 0x80d			; LDR: cluster 0, bit 0
	rd 0x80f			; SVR
	rd 0x808			; TPR
	mov eax, 0x5a5a5a5a
	rd 0x80e			; DFR: #GP
	mov ecx, 0x80d
	xor edx, edx
	mov eax, 0x10
	wrmsr				; LDR is read-only: #GP
	mov ecx, 0x802
	wrmsr				; so is the ID: #GP
	mov ecx, 0x808
	mov edx, 1
	xor eax, eax
	wrmsr				; bits 63:32 set outside the ICR: #GP
	xor edx, edx
	mov eax, 0x5a5a5a5a
	rd 0x83f			; SELF_IPI is write-only: #GP
	mov eax, 0x5a5a5a5a
	rd 0x80b			; EOI is write-only: #GP
	cli
	mov ecx, 0x83f
	xor edx, edx
	mov eax, 0x40
	wrmsr				; self-IPI 0x40: pending until the STI shadow ends
	report 0x600
	sti
	nop
	cli
	report 0x601			; after 0x40's handler
	mov ecx, 0x830
	xor edx, edx
	mov eax, 0x44041		; shorthand self, fixed, vector 0x41
	wrmsr
	mov eax, 0x5a5a5a5a
	rd 0x830			; the ICR reads back (delivery status clear)
	mov eax, edx
	out 0xe0, eax
	sti
	nop
	cli
	out 0xe5, al			; KVM_GET_LAPIC in x2APIC mode
	; the xAPIC window now
	lapic_read 0x20
	out 0xe0, eax			; all ones
	lapic_write 0x80, 0x20		; TPR write dropped
	rd 0x808			; still 0
	; back to xAPIC directly: #GP
	mov ecx, 0x1b
	mov eax, 0xfee00900
	xor edx, edx
	wrmsr
	rd 0x1b				; still x2APIC
	mov ecx, 0x1b
	mov eax, 0xfee00000
	xor edx, edx
	wrmsr				; disabled: allowed
	rd 0x1b
	lapic_read 0x20
	out 0xe0, eax			; disabled: all ones
	mov ecx, 0x1b
	mov eax, 0xfee00900
	xor edx, edx
	wrmsr				; xAPIC again
	rd 0x1b
	lapic_read 0x20
	out 0xe0, eax			; the xAPIC ID: 0
	lapic_read 0xf0
	out 0xe0, eax			; SVR after the disable: kept (__kvm_apic_set_base resets only the ID)
	report 0x6ff
	out 0xef, al

on_vector:
	xchg eax, [esp]
	out 0xe0, eax			; the vector
	cmp eax, 13
	je .gp
	mov eax, [esp + 4]
	out 0xe0, eax			; where it landed
	mov ecx, 0x812
	rdmsr
	out 0xe0, eax			; ISR 0x40-0x5f: bit 0 or 1
	mov ecx, 0x80b
	xor eax, eax
	xor edx, edx
	wrmsr				; EOI
	pop eax
	iret
.gp:	mov eax, [esp + 4]
	out 0xe0, eax			; the error code
	mov eax, [esp + 8]
	out 0xe0, eax			; the RIP
	add dword [esp + 8], 2
	and dword [esp + 16], ~0x10000	; RF off in the frame: m10 tests it
	pop eax
	add esp, 4
	iret
ap_main:
	hlt
