; Long mode: RDMSR of MSR 0xdeadbeef (no MSR KVM has) and a WRMSR of EFER
; with a reserved bit: each #GP(0) through the IDT; the handler reports the
; error code and the faulting RIP, then skips the 2-byte instruction.
bits 64
org 0x1000
	mov dx, 0x3f8
	mov rsp, 0x9000
	mov ecx, 0xdeadbeef
	rdmsr				; 0x100e: #GP
	mov ecx, 0xc0000080
	rdmsr
	or eax, 1 << 2			; EFER bit 2: reserved
	wrmsr				; 0x101a: #GP
	hlt
	times 0x40 - ($ - $$) db 0xf4
gp:	mov rax, [rsp]			; the error code
	out dx, eax
	mov rax, [rsp + 8]		; RIP of the faulting instruction
	out dx, eax
	add qword [rsp + 8], 2
	add rsp, 8			; drop the error code
	iretq
