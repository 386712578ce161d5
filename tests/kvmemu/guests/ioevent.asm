; KVM_IOEVENTFD: two writes to port 0x555 (0x12: matches the datamatch, no
; exit; 0x34: exits), one to MMIO 0xd0000 (a word: signals), then hlt.
bits 16
org 0x1000
	mov dx, 0x555
	mov al, 0x12
	out dx, al
	mov al, 0x34
	out dx, al
	mov ax, 0xd000
	mov es, ax
	mov word [es:0], 0x77
	hlt
