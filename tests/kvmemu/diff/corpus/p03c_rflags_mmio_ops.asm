; D4: the flags of each kind of instruction right before an MMIO read, a ROM write and an MMIO
; write in the same block (first execution: no code hook on the access yet), every operand size.
%include "machine.inc"
%macro FLAGS_OUT 0
	pushfq
	pop rcx
	out 0x10, eax
%endmacro
	mov al, 0x10
	sub al, 0x20			; CF SF AF, byte
	mov rbx, [MMIO + 0x40]
	FLAGS_OUT
	mov dx, 0x8000
	cmp dx, 1			; OF, word
	mov ebx, [MMIO + 0x48]
	FLAGS_OUT
	mov esi, 0xff
	and sil, 0x80			; SF, logic byte (REX)
	mov bx, [MMIO + 0x50]
	FLAGS_OUT
	stc
	mov rdi, -1
	inc rdi				; ZF PF AF, CF kept from stc
	mov bl, [MMIO + 0x58]
	FLAGS_OUT
	mov r8d, 0x80000000
	dec r8d				; OF AF PF
	mov [ROM + 0x10], r8b		; a write to the read-only slot
	FLAGS_OUT
	mov r9, 5
	neg r9				; CF SF
	mov [MMIO + 0x60], r9		; an MMIO write
	FLAGS_OUT
	mov r10, 0x1234
	xor r10, r10			; ZF PF
	mov r11, 3
	add r11w, 0xfffe		; CF AF, word (mov between: flag-neutral)
	lea r12, [r11 + 1]
	movzx r13d, byte [MMIO + 0x68]
	FLAGS_OUT
	mov eax, 0x7f
	test al, 0x80			; ZF PF
	cmovz r14, r12
	setz cl
	mov rbx, [MMIO + 0x70]
	FLAGS_OUT
	hlt
