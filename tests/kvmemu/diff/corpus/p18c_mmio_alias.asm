; MMIO through a page that isn't identity-mapped (virtual 0x1fe000 -> MMIO;
; 0x1ff000 made not present): the identity-mapped PDE of MMIO (PD0[2] at
; 0x3010) must keep its A bit clear: the CPU never walks it. Unicorn's
; uc_mem_unmap walked the MMIO page's address as a linear one (kvmemu puts
; the A bits back: mmu.c mmu_a_note). Also the straddles into the page that
; isn't present (#PF, no exit; p18b).
%include "machine.inc"
	mov qword [PTE(0x1fe000)], MMIO | 3
	and qword [PTE(0x1ff000)], ~1
	invlpg [0x1fe000]
	invlpg [0x1ff000]
	cld
	mov rsi, 0x1feffe
	expect_fault .l1
	lodsd				; a string read
.l1:	out 0x10, eax
	mov rdi, 0x1feffc
	expect_fault .l2
	stosq				; a string write
.l2:	out 0x10, eax
	expect_fault .l3
	mov ebx, [0x1feffe]		; a plain read
.l3:	out 0x10, eax
	expect_fault .l4
	mov [0x1feffd], ebx		; a plain write
.l4:	out 0x10, eax
	mov ebx, [0x1fe100]		; the MMIO page alone: an exit
	out 0x10, eax
	hlt
