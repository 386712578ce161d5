; issue 21 item 8: CR8 written by the guest reads back (5 on KVM).
%include "machine.inc"
	mov eax, 5
	mov cr8, rax
	xor eax, eax
	mov rax, cr8
	out 0x10, eax
	mov eax, 15
	mov cr8, rax
	mov rbx, cr8
	hlt
