; issue 21 item 3: RFLAGS from an `add` survive the vCPU's first MMIO access.
%include "machine.inc"
	mov eax, 0x7fffffff
	add eax, 1			; OF SF AF PF
	mov rbx, [MMIO + 0x20]
	pushfq
	pop rcx
	out 0x10, eax
	hlt
