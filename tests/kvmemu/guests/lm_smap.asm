; Long mode, CR4.SMAP: a CPL-0 load from a user page (virtual 0x205000) is a
; #PF, error code 1 (present, read, supervisor); after STAC (RFLAGS.AC) the
; same load is allowed, CLAC takes it back (SDM vol. 3, 4.6.1).
bits 64
org 0x1000
	mov dx, 0x3f8
	mov rsp, 0x9000
	mov rax, [0x205000]		; 0x100b: user page -> #PF
	hlt
	times 0x40 - ($ - $$) db 0xf4
pf:	mov rax, cr2			; 0x1040
	out dx, eax
	mov rax, [rsp]			; the error code
	out dx, eax
	stac
	mov eax, [0x205000]		; AC set: allowed
	out dx, eax
	clac
	hlt
