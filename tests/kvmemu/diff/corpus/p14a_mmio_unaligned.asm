; Unaligned MMIO reads and writes (D24): one exit per access with its own
; address and length, every byte of run->mmio.data in the register, and the
; register's bytes in a write's data (x86.c emulator_read_write_onepage: one
; fragment, whatever the alignment).
%include "machine.inc"
	mov rbx, MMIO + 0x103
	mov rax, [rbx]			; 8 bytes at ...3
	mov ecx, [rbx + 0x10]		; 4 bytes at ...3
	mov dx, [rbx + 0x25]		; 2 bytes at ...8 + 0
	mov si, [rbx + 0x2c]		; 2 bytes crossing an 8-byte boundary
	out 0x10, eax
	mov rdi, 0xfa9836d57311af4e
	mov [rbx + 0x40], rdi		; 8-byte write at ...3
	mov [rbx + 0x51], edi		; 4-byte write crossing an 8-byte boundary
	mov [rbx + 0x6d], di		; 2-byte write at ...0
	out 0x10, eax
	hlt
