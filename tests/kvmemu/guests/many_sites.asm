; 600 distinct OUT sites (test_exits.c many_io_sites): more than kvmemu ever
; had instruction hooks for (256). Each `out 0x10, al` exits with AL = its
; number (mod 256), then a loop whose immediates hold I/O opcode bytes
; (E4, EC, 6C) and an HLT followed at once by an OUT.
bits 16
org 0x1000
	xor ax, ax
%rep 600
	out 0x10, al
	inc ax
%endrep
	mov cx, 1000
.spin:	mov bx, 0xe4ec
	mov dx, 0x6c6e
	loop .spin
	mov al, 0x77
	hlt
	out 0x11, al
	hlt
