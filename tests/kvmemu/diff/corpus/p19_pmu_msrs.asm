; The legacy performance-counter MSRs a Linux guest probes (MSR 0xc0010000 in
; the cloud kernel's boot): K7 EVNTSEL0-3 and PERFCTR0-3, P6 PERFCTR0-1 and
; EVNTSEL0-1. Without a vPMU KVM reads them as 0 and drops writes, no #GP
; (x86.c kvm_get_msr_common/kvm_set_msr_common, `if (kvm_pmu_is_valid_msr)
; ... msr_info->data = 0; break`). Each is read, written and read again; the
; out 0x10 after each access says whether it faulted (the event exit) and
; what it read.
%include "machine.inc"
%macro rd 1
	mov ecx, %1
	xor eax, eax
	xor edx, edx
	expect_fault %%n
	rdmsr
%%n:	out 0x10, eax
	mov eax, edx
	out 0x10, eax
%endmacro
%macro wr 2
	mov ecx, %1
	mov eax, %2
	xor edx, edx
	expect_fault %%n
	wrmsr
%%n:	out 0x11, al
%endmacro
%macro probe 1
	rd %1
	wr %1, 0
	wr %1, 0x12345
	rd %1
%endmacro
	probe 0xc0010000		; K7 EVNTSEL0
	probe 0xc0010003		; K7 EVNTSEL3
	probe 0xc0010004		; K7 PERFCTR0
	probe 0xc0010007		; K7 PERFCTR3
	probe 0xc1			; P6 PERFCTR0
	probe 0xc2			; P6 PERFCTR1
	probe 0x186			; P6 EVNTSEL0
	probe 0x187			; P6 EVNTSEL1
	rd 0xc0010008			; past the K7 counters: not KVM's (#GP)
	hlt
