; Unreal mode: PE on, DS loaded from a descriptor with base 0x2000, PE off.
; DS's selector is then 0x08 but its cached base stays 0x2000 (not 0x80).
; `outsb` with SI=0x10 sends the byte at 0x2010 ('U'), and a plain load from
; [si] reads it too (sent with out dx,al). 0x90 (0x08*16+0x10) holds 'x'.
bits 16
org 0x1000
	cli
	lgdt [gdtr]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	mov bx, 0x08
	mov ds, bx			; base 0x2000 into the cache
	and al, 0xfe
	mov cr0, eax			; back to real mode, DS selector 0x08
	mov dx, 0x3f8
	mov si, 0x10
	outsb				; the byte at DS.base + 0x10
	mov si, 0x10
	mov al, [si]
	out dx, al
	hlt
align 8
gdt:	dq 0
	dq 0x000092002000ffff		; 0x08: data 16, base 0x2000
gdtr:	dw gdtr - gdt - 1
	dd gdt
