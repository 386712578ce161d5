; b01: a 4 KiB image run as a BIOS (iovmm: no IOVMM header): from the reset vector it far-jumps
; to f000:start in real mode and does `push cs; push word back; retf`, the way SeaBIOS returns
; from its INT 10h thunk (known-io.txt IO1), then the same after an OUT exit. It reports on the
; debug port (0x402) and ends with SeaBIOS's last words, where iovmm ends a BIOS run.
bits 16
org 0xf000
start:	cli
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7000
	mov si, msg_start
	call print
	push cs
	push word back1
	retf
back1:	mov si, msg_retf
	call print
	push cs
	push word back2
	out 0xe0, al			; an exit between the pushes and the RETF
	retf
back2:	mov si, msg_retf
	call print
	mov si, msg_end
	call print
	cli
.stop:	hlt
	jmp .stop

print:	cs lodsb
	test al, al
	jz .done
	mov dx, 0x402
	out dx, al
	jmp print
.done:	ret

msg_start: db "b01 start", 10, 0
msg_retf: db "retf ok", 10, 0
msg_end: db "No bootable device.", 10, 0

	times 0xff0 - ($ - $$) db 0
reset:	jmp 0xf000:start		; f000:fff0
	times 0x1000 - ($ - $$) db 0
