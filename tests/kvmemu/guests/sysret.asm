; Long mode, EFER.SCE, ring 0: SYSCALL into LSTAR (0x1040), where SWAPGS
; brings KERNEL_GS_BASE into GS base (read back with RDMSR), then SYSRETQ
; to ring 3 at RCX; the user code reports CS and SS and SYSCALLs again, and
; the second entry halts.
bits 64
org 0x1000
	mov dx, 0x3f8
	xor ebx, ebx
	syscall				; to 0x1040, returns to 0x1008
user:	xor eax, eax
	mov ax, cs
	out dx, eax			; 0x2b (STAR[63:48] + 16, RPL 3)
	mov ax, ss
	out dx, eax			; 0x23 (STAR[63:48] + 8, RPL 3)
	syscall
	times 0x40 - ($ - $$) db 0xf4
entry:	test ebx, ebx
	jnz .second
	swapgs
	mov r12, rcx			; the return RIP: RDMSR needs ECX
	mov ecx, 0xc0000101
	rdmsr
	out dx, eax			; GS base after SWAPGS: 0x1234000
	mov rcx, r12
	mov ebx, 1
	o64 sysret			; RIP = RCX, RFLAGS = R11
.second:
	hlt
