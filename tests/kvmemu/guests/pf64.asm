; Long mode: a load from an unmapped virtual address faults (#PF); the IDT's
; vector 14 handler reports CR2 and the error code, then stops.
bits 64
org 0x1000
	mov dx, 0x3f8
	mov rsp, 0x9000
	mov rax, [0x7fff000]		; 0x100b: not present -> #PF, error code 0
	hlt
	times 0x40 - ($ - $$) db 0xf4
pf:	mov rax, cr2			; 0x1040
	out dx, eax
	mov rax, [rsp]			; the error code
	out dx, eax
	mov rax, [rsp + 8]		; the faulting RIP
	out dx, eax
	hlt
