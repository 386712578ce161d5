; issue 21 item 4: page tables whose PD entries lack PS (so they name page
; tables at 0, 2 MiB, ...): the next fetch faults, the IDT can't be read,
; triple fault -> KVM_EXIT_SHUTDOWN (kvmemu: INTERNAL_ERROR suberror 3).
%include "machine.inc"
	mov qword [0xb000], 0xc003	; PML4[0] -> PDPT 0xc000
	mov qword [0xc000], 0xd003	; PDPT[0] -> PD 0xd000
	xor ecx, ecx
.pd:	mov rax, rcx
	shl rax, 21
	or rax, 3			; no PS
	mov [0xd000 + rcx * 8], rax
	inc ecx
	cmp ecx, 512
	jne .pd
	mov rax, 0xb000
	mov cr3, rax
	hlt
