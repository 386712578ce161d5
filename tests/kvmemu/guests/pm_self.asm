; The guest enters 32-bit protected mode itself (lgdt, CR0.PE, far jmp), does
; I/O there, goes back to real mode through a 16-bit segment, and does I/O
; again. Exits: out dx,eax (size 4 "ABCD"), out dx,ax (size 2 "AB"), in the
; 16-bit segment out dx,ax (size 2: AX is 0x20 then), then in real mode
; out dx,al (size 1 "A"), out dx,eax (size 4, 66-prefixed), hlt.
bits 16
org 0x1000
	cli
	lgdt [gdtr]			; 0x1001
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp 0x08:pm32
bits 32
pm32:
	mov ax, 0x10
	mov ds, ax
	mov ss, ax
	mov esp, 0x8000
	mov eax, 0x44434241
	mov dx, 0x3f8
	out dx, eax			; size 4
	out dx, ax			; size 2
	jmp 0x18:pm16			; a 16-bit code segment, base 0
bits 16
pm16:
	mov ax, 0x20			; 16-bit data, limit 64 KiB
	mov ds, ax
	mov ss, ax
	out dx, ax			; 16-bit protected mode: size 2 ("  ")
	mov eax, cr0
	and al, 0xfe
	mov cr0, eax
	jmp 0:real
real:
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov eax, 0x44434241
	out dx, al			; size 1
	out dx, eax			; size 4
	hlt
align 8
gdt:	dq 0
	dq 0x00cf9a000000ffff		; 0x08: code 32, flat
	dq 0x00cf92000000ffff		; 0x10: data 32, flat
	dq 0x00009a000000ffff		; 0x18: code 16, base 0, limit 64 KiB
	dq 0x000092000000ffff		; 0x20: data 16
gdtr:	dw gdtr - gdt - 1
	dd gdt
