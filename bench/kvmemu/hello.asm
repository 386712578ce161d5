; The lab's hello: "Hello, world!\n" to port 0x3f8, then hlt.
bits 16
org 0x1000
	mov dx, 0x3f8
	mov si, msg
next:	lodsb
	test al, al
	jz done
	out dx, al
	jmp next
done:	hlt
msg:	db "Hello, world!", 10, 0
