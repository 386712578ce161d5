; Non-canonical addresses (test_lm.c noncanonical_stack_fault).
bits 64
org 0x1000
	mov rsp, 0x9000
	mov rbp, 0x8000000000000000
	mov r15, 3
	mov eax, [rbp]			; 0x1015: #SS(0)
	mov rbx, rbp
	mov r15, 2
	mov eax, [rbx]			; 0x1021: #GP(0)
	mov r15, 3
	mov eax, [rsp + rbp]		; 0x1029: #SS(0)
	xor r15, r15
	hlt
%include "lm_idt.inc"
