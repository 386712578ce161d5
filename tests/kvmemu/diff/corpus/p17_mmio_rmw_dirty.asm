; D23: the Dirty bit of the PDE that maps MMIO (PD0[2] at 0x3010, 2 MiB,
; 0x400083 at the start: no A, no D). A read-modify-write's first access is
; its read: the NPF comes there, the CPU's walk sets only A, and KVM's
; emulator completes the instruction with the NPF's GPA, walking nothing
; (x86.c emulator_read_write_onepage, gpa_available): D stays clear. A
; plain write's walk is a write's: D set before the NPF.
%include "machine.inc"
	mov rbx, MMIO + 0x100
	add byte [rbx], 1		; RMW: read exit, write exit
	mov rax, [0x3010]		; A, no D
	out 0x10, eax
	xor dword [rbx + 8], 0xff	; another one, the PDE's A already set
	mov rax, [0x3010]
	out 0x10, eax
	mov byte [rbx], 2		; a plain write
	mov rax, [0x3010]		; A and D
	out 0x10, eax
	hlt
