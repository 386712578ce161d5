; Flat 32-bit protected mode set by KVM_SET_SREGS: MMIO and string I/O with
; 32-bit operands and addresses. 0x20000.. is in no slot.
bits 32
org 0x1000
	mov dword [0x20010], 0x11223344	; 0x1000: MMIO write, len 4
	mov eax, [0x20020]		; 0x100a: MMIO read, len 4
	mov dx, 0x3f8			; 0x100f
	out dx, eax			; 0x1013: the value read
	mov esi, text			; 0x1014
	mov ecx, 2			; 0x1019
	rep outsb			; 0x101e: two exits, ESI/ECX 32-bit
	hlt				; 0x1020
text:	db "ok"
