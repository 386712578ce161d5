; int 0x80 with the IVT in no slot (the standard layout starts RAM at 0x1000).
bits 16
org 0x1000
	int 0x80		; 0x1000
	hlt			; 0x1002
