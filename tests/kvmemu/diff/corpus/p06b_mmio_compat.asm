; MMIO from 32- and 16-bit code (compatibility mode: a 32-bit and a 16-bit code segment under
; long mode's paging): KVM's emulator decodes the operand in every mode, splits it at the page
; boundary and makes exits of at most 8 bytes (x86.c emulator_read_write), as in 64-bit mode.
; Straddles of the ROM's end and MMIO, 16-bit operands (66), segment bases and overrides,
; 16-bit addressing with its BP/SS default.
%include "machine.inc"
	lgdt [gdtr2]
	jmp dword far [rel .to32]	; m16:32
.to32:	dd code32
	dw 0x18

bits 32
code32:
	mov eax, [MMIO + 0x20]		; 4 bytes
	out 0x10, eax
	mov ebx, [MMIO - 2]		; straddles the ROM's end: the MMIO exit has the MMIO part's 2
	out 0x10, eax
	mov dword [MMIO - 2], 0x11223344	; a write across both: ROM exit, MMIO exit
	out 0x10, eax
	mov cx, [MMIO + 0x31]		; 16-bit operand (66), unaligned
	out 0x10, eax
	mov ax, 0x28
	mov fs, ax			; base 0x40f000
	mov edx, [fs:0xffe]		; the segment base counts: 0x40fffe, across again
	out 0x10, eax
	add word [MMIO + 0x50], 0x7fff	; a 16-bit read-modify-write, flags from it
	pushfd
	pop esi
	out 0x10, eax
	movdqu xmm1, [MMIO - 8]		; 16 bytes: 8 of ROM, 8 of MMIO
	movd edi, xmm1
	out 0x10, eax
	jmp 0x20:(code16 - 0x10000)	; the 16-bit code segment's base is 0x10000

bits 16
code16:
	mov ax, 0x28
	mov ds, ax			; base 0x40f000
	mov bx, 0xff0
	mov si, 0xe
	mov eax, [bx + si]		; 0x40fffe: a 32-bit operand (66) across the ROM's end
	out 0x10, eax
	mov di, 0x1010
	mov cx, [bx + di + 4]		; 0x411004
	out 0x10, eax
	mov word [0x1044], 0x1234	; disp16 alone: 0x410044
	out 0x10, eax
	mov ax, 0x28
	mov ss, ax			; base 0x40f000 (no stack use from here)
	mov bp, 0x1080
	mov dx, [bp + 2]		; BP: SS by default, 0x410082
	out 0x10, eax
	mov dword [es:0xfffe], 0x55667788	; ES base 0 (flat): 0xfffe, RAM
	mov esi, [ds:bp + si - 0x90]	; 0x40fffe: DS override of BP's SS, across
	out 0x10, eax
	hlt

	align 8
gdt2:	dq 0
	dq 0x00af9b000000ffff		; 0x08: 64-bit code
	dq 0x00cf93000000ffff		; 0x10: data
	dq 0x00cf9b000000ffff		; 0x18: 32-bit code
	dq 0x00009b010000ffff		; 0x20: 16-bit code, base 0x10000
	dq 0x00cf9340f000ffff		; 0x28: data, base 0x40f000
gdt2_end:
gdtr2:	dw gdt2_end - gdt2 - 1
	dq gdt2
