; issue 21 item 2: a write to a KVM_MEM_READONLY slot with paging on exits
; once (MMIO, is_write) and the guest goes on past the store.
%include "machine.inc"
	mov rax, 0x1122334455667788
	mov [ROM + 0x100], rax
	mov ebx, [ROM + 0x100]		; the ROM is unchanged
	mov byte [ROM + 0xfff], 0x42
	out 0x10, eax
	hlt
