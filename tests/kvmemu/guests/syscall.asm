; Long mode with EFER.SCE: RDMSR of LSTAR, then SYSCALL into its entry,
; which reports RCX, R11, CS, SS and RFLAGS.
bits 64
org 0x1000
	mov dx, 0x3f8
	mov ecx, 0xc0000082
	rdmsr
	out dx, eax			; LSTAR (0x1040)
	syscall				; 0x100c
	hlt				; 0x100e
	times 0x40 - ($ - $$) db 0xf4
entry:	mov rax, rcx
	out dx, eax			; the return RIP: 0x100e
	mov rax, r11
	out dx, eax			; RFLAGS before: 0x202
	mov ax, cs
	out dx, eax			; STAR[47:32] = 0x08
	mov ax, ss
	out dx, eax			; 0x10
	pushfq
	pop rax
	out dx, eax			; RFLAGS & ~SFMASK (IF): 0x2
	hlt
