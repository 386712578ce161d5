; issue 21 item 4: MOV from CR0 at CPL 3 is #GP(0) (kvmemu: internal error).
%include "machine.inc"
	; code, stack and RESUME pages user-accessible
	or qword [PTE(0x10000)], 4
	or qword [PTE(0x11000)], 4
	or qword [PTE(0x7f000)], 4
	or qword [PTE(RESUME)], 4
	mov rax, cr3
	mov cr3, rax
	push 0x23			; SS
	push 0x7ff00			; RSP
	push 0x3002			; RFLAGS: IOPL 3
	push 0x1b			; CS
	push user			; RIP
	iretq
user:	expect_fault .a
	mov rax, cr0
.a:	out 0x10, al
	int 0x41
