; Control registers (test_lm.c control_registers): a reserved CR4 bit, CR8,
; MOV from CR0 at CPL 3.
bits 64
org 0x1000
	mov rsp, 0x9000
	mov rax, cr4
	bts rax, 15			; reserved
	mov r15, 3
	mov cr4, rax			; 0x1013: #GP(0)
	mov eax, 5
	mov cr8, rax
	mov rbx, cr8
	mov eax, ebx
	out 0xe9, eax			; 5
	mov rbx, cr8			; what KVM_SET_SREGS put there
	mov eax, ebx
	out 0xe9, eax
	push qword 0x23			; to ring 3 (IRETQ)
	push qword 0x8800
	push qword 2
	push qword 0x1b
	push qword user
	iretq
user:	xor r15, r15
	mov rax, cr0			; 0x1044: #GP(0) at CPL 3
	hlt
%include "lm_idt.inc"
