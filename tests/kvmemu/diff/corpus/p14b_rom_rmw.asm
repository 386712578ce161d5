; Read-modify-write on the read-only slot (D3): the ROM reads as memory, the
; write exits (MMIO, is_write) with RIP past the instruction and the flags of
; the operation; the ROM keeps its bytes.
%include "machine.inc"
	mov r13, 0x7f
	add [ROM + 0xffff], r13b	; the ROM's last byte
	pushfq
	pop r14
	out 0x10, eax
	inc qword [ROM + 0x1230]
	sub word [ROM + 0x3fff], 0x1234	; across a page boundary inside the ROM
	mov eax, [ROM + 0x1230]
	out 0x10, eax
	hlt
