; RF after an IRET from a fault's frame: RDMSR of an MSR nobody has is a #GP
; that KVM injects with RF set in the pushed EFLAGS; the handler reports it
; (out 0xf1), skips the RDMSR and returns with RF restored. The CPU clears RF
; when an instruction completes (SDM vol. 3, 17.3.1.1); KVM completing an
; OUT itself (fast PIO) leaves it. Started flat 32-bit by KVM_SET_SREGS;
; #GP's gate at 0x3000 + 13 * 8.
bits 32
org 0x1000
	mov esp, 0x9000
	mov ecx, 0x4b564dff	; an MSR no one has: #GP(0)
	rdmsr
	out 0xf2, al		; RF set: nothing completed since the IRET
	out 0xf3, al		; RF set: KVM completed the OUT before it itself
	mov ecx, 0x1b		; completes: RF clear from here
	rdmsr
	out 0xf0, al
	hlt
	times 0x40 - ($ - $$) db 0xf4
hgp:				; 0x1040
	add esp, 4		; the error code
	mov eax, [esp + 8]	; the pushed EFLAGS
	out 0xf1, eax
	add dword [esp], 2	; past the RDMSR
	iretd
