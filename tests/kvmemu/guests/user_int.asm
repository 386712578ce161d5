; Long mode, ring 3 (set by KVM_SET_SREGS, IOPL 3): `int 0x40` through a
; DPL-3 interrupt gate into ring 0, on the stack TSS.RSP0 gives (0x8000).
; The handler reports CS, SS, RSP and the pushed CS and SS.
bits 64
org 0x1000
	mov dx, 0x3f8
	int 0x40
	hlt
	times 0x40 - ($ - $$) db 0xf4
handler:
	mov ax, cs
	out dx, eax			; 0x08
	mov ax, ss
	out dx, eax			; 0 (a null selector, RPL 0)
	mov rax, rsp
	out dx, eax			; 0x8000 - 40
	mov rax, [rsp + 8]
	out dx, eax			; the pushed CS: 0x1b
	mov rax, [rsp + 32]
	out dx, eax			; the pushed SS: 0x23
	hlt
