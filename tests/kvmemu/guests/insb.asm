; rep insb: batched exits (count = min(CX, 1024, bytes left in DI's page)).
bits 16
org 0x1000
	xor ax, ax		; 0x1000
	mov es, ax		; 0x1002
	cld			; 0x1004
	mov di, 0x5f00		; 0x1005
	mov cx, 1500		; 0x1008
	mov dx, 0x70		; 0x100b
	rep insb		; 0x100e
	hlt			; 0x1010
