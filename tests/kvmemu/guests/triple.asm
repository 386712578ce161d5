; IVT limit 0: int3 -> #GP -> #DF -> triple fault.
bits 16
org 0x1000
	lidt [idt0]		; 0x1000
	int3			; 0x1005
	hlt
idt0:	dw 0
	dd 0
