; issue 21 item 7: MSRs a Linux guest reads at boot: KVM answers (or #GP).
%include "machine.inc"
%macro rd 1
	mov ecx, %1
	xor eax, eax
	xor edx, edx
	expect_fault %%n
	rdmsr
%%n:	out 0x10, eax
%endmacro
	rd 0xfe				; MTRRcap
	rd 0x2ff			; MTRRdefType
	rd 0x179			; MCG_CAP
	rd 0x17a			; MCG_STATUS
	rd 0x1b				; APIC_BASE
	rd 0x4b564d00			; KVM wall clock (new)
	rd 0x4b564d01			; KVM system time (new)
	rd 0x8b				; microcode revision
	rd 0xc0010015			; AMD HWCR
	hlt
