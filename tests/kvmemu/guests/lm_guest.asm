; The guest enters long mode itself from flat 32-bit protected mode (set by
; the test): CR4.PAE, CR3 = 0x10000 (the test's 4-level tables, identity 2 MiB
; page), EFER.LME by wrmsr, CR0.PG, a far jump to the 64-bit code segment 0x18.
bits 32
org 0x1000
	mov eax, cr4
	or eax, 1 << 5
	mov cr4, eax
	mov eax, 0x10000
	mov cr3, eax
	mov ecx, 0xc0000080
	rdmsr
	or eax, 1 << 8
	wrmsr
	mov eax, cr0
	or eax, 1 << 31
	mov cr0, eax
	jmp 0x18:lm
bits 64
lm:	mov dx, 0x3f8
	mov rax, 0x4847464544434241
	out dx, eax			; size 4 "ABCD" from 64-bit code
	mov ecx, 0xc0000080
	rdmsr
	out dx, eax			; EFER low: LME|LMA (0x500)
	hlt
