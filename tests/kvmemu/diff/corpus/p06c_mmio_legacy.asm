; MMIO outside long mode: the guest leaves it (paging off in a 32-bit code segment: legacy
; protected mode), then protected mode (real mode, DS keeping its cached base 0x40f000).
; KVM's emulator decodes the operand in every mode and exits for the MMIO part only, with its own
; length, at most 8 bytes an exit (x86.c emulator_read_write).
%include "machine.inc"
	lgdt [gdtr2]
	jmp dword far [rel .to32]	; m16:32
.to32:	dd code32
	dw 0x18

bits 32
code32:
	mov eax, cr0
	and eax, 0x7fffffff
	mov cr0, eax			; paging off: long mode left (EFER.LMA 0)
	jmp 0x18:.pm
.pm:	mov ebx, [MMIO - 2]		; across the ROM's end: MMIO part 2 bytes
	out 0x10, eax
	mov ecx, [MMIO_HI + 0xffe]	; across two MMIO pages: 2 + 2
	out 0x10, eax
	mov dword [MMIO - 1], 0xaabbccdd	; a write: ROM 1 byte, MMIO 3
	out 0x10, eax
	mov dx, [MMIO + 0x13]		; 16-bit operand
	out 0x10, eax
	mov ax, 0x28
	mov ds, ax			; base 0x40f000, kept in real mode
	jmp 0x20:(rm16 - 0x10000)	; 16-bit code, base 0x10000

bits 16
rm16:	mov eax, cr0
	and al, 0xfe
	mov cr0, eax			; real mode
	jmp 0x1000:(real - 0x10000)
real:	mov bx, 0xff0
	mov si, 0xe
	mov eax, [bx + si]		; 0x40fffe: 32-bit operand across the ROM's end
	out 0x10, eax
	mov cx, [bx + si + 0x20]	; 0x41001e
	out 0x10, eax
	mov word [bx + 0x1011], 0x5678	; 0x410001: a write
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
