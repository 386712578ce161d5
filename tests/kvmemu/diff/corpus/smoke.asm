; smoke: an OUT, an MMIO write and read, a #PF resumed, a HLT.
%include "machine.inc"
	mov eax, 0x12345678
	out 0x10, eax
	mov qword [MMIO + 8], rax
	mov rbx, [MMIO + 16]
	expect_fault .after
	mov rax, [0x10]			; page 0 is not present
.after:	add rax, rbx
	int3
	hlt
