; OUT to port 0x7e by imm8 and DX, each size: KVM has RIP past it at the exit
; (KVM_X86_QUIRK_OUT_7E_INC_RIP); found by fuzz seed 3412. A control on 0x7f.
%include "machine.inc"
	mov eax, 0x44332211
	mov edx, 0x7e
	out 0x7e, al
	out 0x7e, ax
	out dx, eax
	out 0x7f, al
	hlt
