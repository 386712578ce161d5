; 32-bit paging (or PAE), set up by the test: reads through a large page
; (virtual 0x400123) and writes through a 4 KiB page (virtual 0x3ff010).
bits 32
org 0x1000
	mov dx, 0x3f8
	mov eax, [0x400123]
	out dx, eax			; the marker at the large page's target
	mov dword [0x3ff010], 0x600dbeef
	hlt
