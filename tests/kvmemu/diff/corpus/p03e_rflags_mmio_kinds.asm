; D4, the other kinds: the flags of rotates, MUL/IMUL, BT*, CMPXCHG, XADD,
; BSF and DIV right before an MMIO read in the same block (first execution:
; no code hook on the access yet).
%include "machine.inc"
%macro FLAGS_OUT 0
	pushfq
	pop rcx
	out 0x10, eax
%endmacro
	mov eax, 0x80000001
	rol eax, 1			; ROL: CF 1, OF 1
	mov rbx, [MMIO + 0x80]
	FLAGS_OUT
	mov r8w, 0x0001
	cmp r8w, 0x8000			; SF OF CF set, then
	ror r8w, 1			; ROR: C and O replaced, S Z P kept
	mov ebx, [MMIO + 0x88]
	FLAGS_OUT
	stc
	mov edx, 0x40000000
	rcl edx, 1			; RCL: EFLAGS
	mov bx, [MMIO + 0x90]
	FLAGS_OUT
	mov eax, 0x80000000
	mov ecx, 2
	mul ecx				; MUL: EDX 1, CF OF
	mov bl, [MMIO + 0x98]
	FLAGS_OUT
	xor r9d, r9d
	mov r10, 12345
	imul r9, r10			; IMUL 0F AF: 0, no overflow
	mov rbx, [MMIO + 0xa0]
	FLAGS_OUT
	mov r12d, 0x10000000
	imul r11d, r12d, 0x10		; IMUL 69: overflow
	mov rbx, [MMIO + 0xa8]
	FLAGS_OUT
	mov al, 0x80
	mov dl, 3
	mul dl				; MUL byte: AH 1
	mov rbx, [MMIO + 0xb0]
	FLAGS_OUT
	mov eax, 0x20
	bt eax, 5			; BT first in its block: EFLAGS, C replaced
	mov rbx, [MMIO + 0xb8]
	FLAGS_OUT
	mov ecx, 0xffffffff
	add ecx, 1			; ZF CF from the add, then
	bts r13d, 3			; BTS after ADD: CC_OP_SAR of the add's size
	mov rbx, [MMIO + 0xc0]
	FLAGS_OUT
	mov eax, 7
	mov ebx, 7
	mov ecx, 9
	cmpxchg ebx, ecx		; equal: ZF
	mov rdx, [MMIO + 0xc8]
	FLAGS_OUT
	mov eax, 0x7fffffff
	mov ebx, 1
	xadd eax, ebx			; OF SF
	mov rdx, [MMIO + 0xd0]
	FLAGS_OUT
	mov edx, 0x80
	bsf ecx, edx			; ZF 0 from the source
	mov rbx, [MMIO + 0xd8]
	FLAGS_OUT
	mov eax, 100
	xor edx, edx
	mov ecx, 7
	cmp ecx, 9			; CF SF AF, then
	div ecx				; DIV: flags left as they were
	mov rbx, [MMIO + 0xe0]
	FLAGS_OUT
	hlt
