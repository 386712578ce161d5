; The BSP enters 32-bit protected mode, sends INIT and a SIPI (vector 3) to
; APIC 1 through the ICR and reports (out 0xf0); the AP never runs.
bits 16
org 0x1000
	cli
	xor ax, ax
	mov ds, ax
	lgdt [gdtr]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp 0x08:pm
bits 32
pm:
	mov ax, 0x10
	mov ds, ax
	mov dword [0xfee000f0], 0x1ff		; SVR: enabled
	mov dword [0xfee00310], 0x01000000	; ICR2: APIC 1
	mov dword [0xfee00300], 0x00004500	; INIT, assert
	mov dword [0xfee00300], 0x00004603	; SIPI, vector 3
	out 0xf0, al
	hlt

align 8
gdt:	dq 0
	dq 0x00cf9b000000ffff
	dq 0x00cf93000000ffff
gdtr:	dw 23
	dd gdt
