; issue 21 item 6: a read straddling memory (the ROM slot's end) and MMIO:
; KVM exits for the MMIO part only, with its own length (4).
%include "machine.inc"
	mov rax, [MMIO - 4]
	mov ebx, [MMIO - 2]
	mov qword [MMIO - 4], 0x55
	out 0x10, eax
	hlt
