; String I/O whose memory operand faults (KVM's emulator: FNAME(walk_addr_generic),
; #PF injected by x86_emulate_insn). OUTS reads before the exit: #PF, no exit.
; INS writes after it: the IN exit, then #PF at completion, RIP on the INS.
; A rep insb running from a writable page into the read-only one: the first
; batch completes, the second faults.
%include "machine.inc"
%define PG (SCRATCH + 0x2000)
	and qword [PTE(PG)], ~2		; read-only (CR0.WP is set)
	invlpg [PG]
	mov rdi, PG + 0x10
	mov dx, 0x60
	expect_fault .r1
	insb				; IN exit, then #PF err 3
.r1:	mov rdi, PG - 2
	mov ecx, 4
	expect_fault .r2
	rep insb			; 2 bytes land below PG, then #PF err 3
.r2:	out 0x10, eax
	and qword [PTE(PG)], ~1		; not present
	invlpg [PG]
	mov rsi, PG + 0x20
	mov dx, 0x61
	expect_fault .r3
	outsb				; #PF err 0, no exit
.r3:	or qword [PTE(PG)], 3
	invlpg [PG]
	mov rsi, PG + 0x20
	outsw				; an exit
	hlt
