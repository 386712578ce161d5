; Long mode from KVM_SET_SREGS (test_paging.c): a load through a 1 GiB page
; (virtual 0x40001000 -> physical 0x1000: this code's first bytes), then a
; far return into a compatibility-mode (32-bit) code segment, where
; `out dx,eax` is size 4 and `66 out` size 2.
bits 64
org 0x1000
	mov dx, 0x3f8
	mov eax, [0x40001000]		; 66 ba f8 03 ...
	out dx, eax
	push 0x18			; compatibility-mode CS (L=0, D=1)
	lea rax, [rel compat]
	push rax
	retfq
bits 32
compat:	mov eax, 0x44434241
	out dx, eax			; size 4
	out dx, ax			; size 2
	hlt
