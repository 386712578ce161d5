; MSRs a Linux guest reads at boot (test_lm.c boot_msrs): each RDMSR's EAX.
bits 64
org 0x1000
	mov rsp, 0x9000
	mov ecx, 0xfe			; MTRRcap
	rdmsr
	out 0xe9, eax
	mov ecx, 0x2ff			; MTRRdefType
	rdmsr
	out 0xe9, eax
	mov ecx, 0x179			; MCG_CAP
	rdmsr
	out 0xe9, eax
	mov ecx, 0x4b564d05		; MSR_KVM_POLL_CONTROL
	rdmsr
	out 0xe9, eax
	mov ecx, 0x4b564d01		; MSR_KVM_SYSTEM_TIME_NEW
	rdmsr
	out 0xe9, eax
	mov ecx, 0x8b			; IA32_UCODE_REV
	rdmsr
	out 0xe9, eax
	hlt
