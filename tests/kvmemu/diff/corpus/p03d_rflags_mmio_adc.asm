; D4's rest: flags the engine derives from more than a result and a source (ADC, a shift) right
; before an MMIO read in the same block (kvmemu recovers those of ADD, SUB, the logical ones, INC, DEC).
%include "machine.inc"
	stc
	mov eax, 0x7fffffff
	adc eax, 0			; OF SF AF PF, with the carry in
	mov rbx, [MMIO + 0x40]
	pushfq
	pop rcx
	out 0x10, eax
	mov edx, 0x40000001
	shl edx, 1			; OF, CF 0
	mov rbx, [MMIO + 0x48]
	pushfq
	pop rcx
	out 0x10, eax
	hlt
