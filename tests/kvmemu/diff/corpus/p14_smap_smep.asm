; SMAP and SMEP (SDM vol. 3, 4.6.1): with CR4.SMAP a CPL-0 data access to a
; user page (PTE.U=1) is a #PF (error code P, W as the access) unless
; RFLAGS.AC is set (STAC); with CR4.SMEP a CPL-0 fetch from a user page is a
; #PF (error code P|I). diffvmm's CPUID offers both. A user page here: the
; PTE of SCRATCH+0x1000 with U set; a RET to code copied there for SMEP.
%include "machine.inc"
%define UPAGE (SCRATCH + 0x1000)
	or qword [PTE(UPAGE)], 4	; U=1
	invlpg [UPAGE]
	mov byte [UPAGE], 0xc3		; ret, for the SMEP fetch (no SMEP yet)
	mov rax, cr4
	bts rax, 21			; SMAP
	mov cr4, rax
	expect_fault .r1
	mov rax, [UPAGE + 8]		; #PF err 1
.r1:	expect_fault .r2
	mov qword [UPAGE + 8], 5	; #PF err 3
.r2:	stac
	mov qword [UPAGE + 16], 7	; AC=1: allowed
	mov rbx, [UPAGE + 16]
	clac
	out 0x10, eax
	lea rsi, [UPAGE + 0x100]	; string instruction's operand: checked too
	expect_fault .r3
	lodsq
.r3:	mov rax, cr4
	btr rax, 21
	bts rax, 20			; SMEP
	mov cr4, rax
	mov rbx, [UPAGE + 16]		; data: fine without SMAP
	out 0x10, eax
	expect_fault .r4
	mov rax, UPAGE
	call rax			; #PF err 0x11
.r4:	mov rax, cr4
	btr rax, 20
	mov cr4, rax
	mov rax, UPAGE
	call rax			; no SMEP: runs the ret
	out 0x10, eax
	hlt
