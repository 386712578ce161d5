; String instructions on MMIO and the read-only slot: KVM's emulator does one element at a time
; (x86_emulate_insn; string_insn_completed keeps RIP on the instruction until rCX is 0), an MMIO
; read or write exit per element, two for MOVS between MMIO pages.
%include "machine.inc"
	cld
	mov rsi, MMIO + 0x100
	mov rdi, SCRATCH
	mov ecx, 3
	rep movsb			; MMIO -> RAM: three read exits
	out 0x10, eax
	mov dword [SCRATCH + 0x40], 0x11223344
	mov dword [SCRATCH + 0x44], 0x55667788
	mov rsi, SCRATCH + 0x40
	mov rdi, MMIO + 0x200
	mov ecx, 2
	rep movsd			; RAM -> MMIO: two write exits
	out 0x10, eax
	mov rsi, MMIO + 0x300
	mov rdi, MMIO_HI + 0x10
	movsq				; MMIO -> MMIO: a read exit, then a write exit
	out 0x10, eax
	std
	mov rdi, MMIO + 0x406
	mov ax, 0xbeef
	mov ecx, 3
	rep stosw			; backwards
	cld
	out 0x10, eax
	mov rsi, MMIO + 0x500
	lodsd
	out 0x10, eax
	mov rsi, MMIO - 2
	mov rdi, SCRATCH + 0x80
	mov ecx, 4
	rep movsb			; ROM, ROM (memory), then MMIO, MMIO
	out 0x10, eax
	mov rdi, ROM + 0x20
	mov ecx, 2
	mov eax, 0x55
	rep stosb			; the read-only slot: a write exit each
	out 0x10, eax
	mov rsi, MMIO + 0x600
	mov rdi, SCRATCH + 0x100
	mov ecx, 2
	repe cmpsb
	pushfq
	pop rdx
	out 0x10, eax
	mov rdi, MMIO + 0x700
	xor eax, eax
	scasw
	pushfq
	pop rdx
	out 0x10, eax
	hlt
