; issue 21 item 12: only loads and an OUT: the dirty log holds the page-table
; pages whose Accessed bits the walk set (PML4 and PDPT too), nothing else.
%include "machine.inc"
	mov rax, [SLOT1 + 0x1234]
	mov rbx, [SCRATCH]
	out 0x10, eax
	hlt
