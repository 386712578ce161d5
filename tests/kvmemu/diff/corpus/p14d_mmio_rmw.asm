; Read-modify-write on MMIO with the flags after it, and a 16-byte MMIO read
; and write straddling two MMIO pages (fragments per page, each in exits of
; at most 8 bytes).
%include "machine.inc"
	mov rbx, MMIO + 0x200
	mov ecx, 0x80000000
	add [rbx], ecx			; read 4, write 4
	pushfq
	pop r14
	xor dword [rbx + 6], 0xff00ff	; unaligned RMW
	out 0x10, eax
	movdqu xmm0, [MMIO + 0x1ff8]	; 8 + 8 on two pages
	movq rax, xmm0
	out 0x10, eax
	movdqu [MMIO + 0x2ffc], xmm0	; 4 + 12 (4 + 8 + 4 exits)
	hlt
