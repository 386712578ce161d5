; Long mode, set up by KVM_SET_SREGS with 4-level tables and 2 MiB pages
; (test_paging.c): run from the higher-half alias 0xffffffff80001000 of
; physical 0x1000. Virtual 0x200000 is a 2 MiB page at physical 0xd0000000,
; where no slot is: MMIO.
bits 64
org 0x1000
	mov dx, 0x3f8
	mov eax, 0x44434241
	out dx, eax			; size 4 "ABCD"
	mov rbx, 0x1122334455667788
	mov [0x200010], rbx		; MMIO write, phys 0xd0000010, len 8
	mov rax, [0x200020]		; MMIO read, len 8
	out dx, eax			; the low half of what was read
	shr rax, 32
	out dx, eax			; the high half
	lea rsi, [rel text]
	mov ecx, 2
	rep outsb			; RSI/RCX 64-bit
	hlt
text:	db "lm"
