; spin.asm's loop in 32-bit protected mode, entered by the guest itself (lgdt,
; CR0.PE, far jmp): 2 instructions x 250M iterations (500M instructions), then hlt.
bits 16
org 0x1000
	cli
	lgdt [gdtr]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp 0x08:pm
bits 32
pm:	mov ax, 0x10
	mov ds, ax
	mov ss, ax
	mov ecx, 250000000
.l:	dec ecx
	jnz .l
	hlt
align 8
gdt:	dq 0
	dq 0x00cf9a000000ffff		; 0x08: code 32, flat
	dq 0x00cf92000000ffff		; 0x10: data 32, flat
gdtr:	dw gdtr - gdt - 1
	dd gdt
