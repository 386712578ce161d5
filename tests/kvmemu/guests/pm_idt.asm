; Started by KVM_SET_SREGS in flat 32-bit protected mode (no GDT in memory
; for the segments as set). IDT at 0x3000 with vector 0x21 (interrupt gate)
; and vector 6 (#UD, trap gate) pointing at handlers that report on port
; 0x3f8. The GDT at 0x2800 holds the handlers' code segment 0x08.
bits 32
org 0x1000
	mov dx, 0x3f8
	mov esp, 0x9000
	sti
	int 0x21			; 0x100a: the handler sees EIP 0x100c pushed
	ud2				; 0x100c: #UD, EIP 0x100c pushed
	hlt				; 0x100e
	times 0x20 - ($ - $$) db 0xf4
h21:					; 0x1020
	pushfd				; IF cleared by the interrupt gate
	pop eax
	out dx, eax			; exit: EFLAGS at entry
	mov eax, [esp]			; the pushed EIP
	out dx, eax
	mov eax, [esp + 4]		; the pushed CS
	out dx, eax
	iretd
	times 0x40 - ($ - $$) db 0xf4
hud:					; 0x1040
	mov eax, [esp]			; #UD: the faulting EIP (no error code)
	out dx, eax
	add dword [esp], 2		; skip the ud2
	iretd
