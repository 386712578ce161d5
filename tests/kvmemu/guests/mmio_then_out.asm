; An MMIO write directly followed by an OUT, twice (test_exits.c
; mmio_write_then_out): the OUT is where kvmemu's step after the write ends.
bits 16
org 0x1000
	mov ax, 0x2000
	mov ds, ax
	mov cx, 2
.l:	mov byte [0x10], 0x5a		; no slot at 0x20010: MMIO
	out 0x10, al
	loop .l
	hlt
