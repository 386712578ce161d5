; Accesses straddling the read-only slot's end and MMIO (D21, D3b): a write
; exits once per page's part (the ROM part, then the MMIO part); a RMW reads
; the MMIO part only, then writes both; an 8-byte write to the ROM's last
; qword is one exit.
%include "machine.inc"
	mov rax, 0x1122334455667788
	mov [MMIO - 8], rax		; inside the ROM: one exit of 8
	mov [MMIO - 1], ax		; 1 byte of ROM, 1 of MMIO
	mov [MMIO - 3], rax		; 3 + 5
	add [MMIO - 2], eax		; read 2 (MMIO), write 2 + 2
	mov rbx, [MMIO - 5]		; read 5 of ROM, 3 of MMIO
	out 0x10, eax
	hlt
