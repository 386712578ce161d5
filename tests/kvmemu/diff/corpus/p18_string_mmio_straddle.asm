; A string instruction's element across a page boundary on MMIO: KVM's
; emulator splits the element at the page (emulator_read_write: one
; fragment a page, emulator_read_write_onepage), an exit per MMIO fragment.
%include "machine.inc"
	cld
	mov rdi, MMIO + 0xffe
	mov eax, 0x11223344
	stosd				; MMIO | MMIO: two write exits of 2
	out 0x10, eax
	mov rsi, MMIO + 0x1ffd
	lodsd				; two read exits (3, 1)
	out 0x10, eax
	mov rsi, MMIO - 2
	mov rdi, SCRATCH
	movsd				; ROM | MMIO -> RAM: one read exit of 2
	out 0x10, eax
	mov dword [SCRATCH + 0x40], 0xaabbccdd
	mov dword [SCRATCH + 0x44], 0x55667788
	mov rsi, SCRATCH + 0x40
	mov rdi, MMIO + 0x2ffc
	mov ecx, 2
	rep movsd			; the 2nd element at the page start; then
	out 0x10, eax
	mov rsi, SCRATCH + 0x40
	mov rdi, MMIO + 0x3ffe
	mov ecx, 2
	rep movsd			; the 1st element straddles
	out 0x10, eax
	hlt
