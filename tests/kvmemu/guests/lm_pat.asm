; WRMSR of an invalid PAT (test_lm.c pat_gp).
bits 64
org 0x1000
	mov rsp, 0x9000
	mov ecx, 0x277			; IA32_PAT
	mov eax, 0x02020202		; type 2: reserved
	mov edx, eax
	xor r15, r15
	wrmsr				; 0x1014: #GP(0)
	hlt
%include "lm_idt.inc"
