; Long mode: exceptions after exits of every kind (test_lm.c events_after_exits).
; Each fault's handler (lm_idt.inc) reports it and returns past the instruction.
bits 64
org 0x1000
	mov rsp, 0x9000
	out 0x80, al			; an I/O exit first
	xor ecx, ecx
	mov r15, 2
	div ecx				; 0x100f: #DE
	mov eax, [0x100000]		; MMIO read: physical 0x100000 has no slot
	mov r15, 8
	mov rbx, [0x40000000]		; 0x101e: #PF (PDPT[1] not present)
	mov r15, 2
	div ecx				; 0x102c: #DE again
	xor r15, r15
	int3				; 0x1031: #BP, a trap: RIP past it; the handler halts
	hlt
%include "lm_idt.inc"
