; Real mode: a read and a write in the read-only slot at 0x20000, then
; writes to pages 0 and 3 of the dirty-logged slot at 0x30000.
bits 16
org 0x1000
	mov ax, 0x2000
	mov es, ax
	mov dx, 0x3f8
	mov al, [es:0x10]		; from the read-only slot's RAM
	out dx, al
	mov byte [es:0x10], 0x55	; a write there: MMIO exit, RAM unchanged
	mov al, [es:0x10]
	out dx, al			; still the old byte
	mov ax, 0x3000
	mov es, ax
	mov byte [es:0x0008], 1		; page 0 of the logged slot
	mov word [es:0x3ffe], 2		; page 3
	hlt
