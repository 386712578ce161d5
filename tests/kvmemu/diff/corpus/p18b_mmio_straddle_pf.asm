; Accesses across a page boundary at the end of MMIO: first into more MMIO
; (0x600000, no slot: an exit per page, every kind), then into a page that
; isn't present (PD0[3] cleared). KVM translates every page of an access
; before any exit (emulator_read_write: a fault on the second page
; propagates, the first page's fragment never exits): #PF with CR2 the
; second page and no MMIO exit. The engine's read faults at the MMIO page
; first (its write probes the second page first).
%include "machine.inc"
%define EDGE 0x600000
%macro ACCESSES 0
	mov rsi, EDGE - 2
	expect_fault %%l1
	lodsd				; a string read
%%l1:	out 0x10, eax
	mov rdi, EDGE - 4
	expect_fault %%l2
	stosq				; a string write
%%l2:	out 0x10, eax
	expect_fault %%l3
	mov ebx, [EDGE - 2]		; a plain read
%%l3:	out 0x10, eax
	expect_fault %%l4
	add [EDGE - 3], ebx		; a read-modify-write
%%l4:	out 0x10, eax
	expect_fault %%l5
	mov [EDGE - 1], ebx		; a plain write
%%l5:	out 0x10, eax
%endmacro
	cld
	ACCESSES
	and qword [0x3018], ~1		; virtual 6-8 MiB not present
	invlpg [EDGE]
	ACCESSES
	mov ebx, [EDGE - 0x100]		; the MMIO page alone: an exit
	out 0x10, eax
	hlt
