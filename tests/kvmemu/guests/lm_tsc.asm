; RDTSC and IA32_TSC (test_lm.c rdtsc_vm_clock): after WRMSR TSC = 2^36,
; RDTSC, a loop, RDTSC again and RDMSR TSC; each value out on port 0xe8 as
; two dwords (low, high). Then RDTSC at CPL 3 with CR4.TSD: #GP through
; lm_idt.inc's handler.
bits 64
org 0x1000
	mov rsp, 0x9000
	mov ecx, 0x10
	xor eax, eax
	mov edx, 0x10
	wrmsr
	rdtsc
	call tell
	mov ecx, 100000
.spin:	dec ecx
	jnz .spin
	rdtsc
	call tell
	mov ecx, 0x10
	rdmsr
	call tell
	mov rax, cr4
	or rax, 4			; TSD
	mov cr4, rax
	xor r15, r15
	push qword 0x23			; SS: data, DPL 3
	push qword 0x8000		; RSP
	push qword 2			; RFLAGS
	push qword 0x1b			; CS: code, DPL 3
	push qword user
	iretq
user:	rdtsc				; #GP(0) at CPL 3
	hlt
tell:	out 0xe8, eax
	mov eax, edx
	out 0xe8, eax
	ret
%include "lm_idt.inc"
