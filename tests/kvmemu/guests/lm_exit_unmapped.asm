; An I/O site whose page the guest then unmaps (test_lm.c
; unmapped_exit_site). Unicorn ends each run by dropping the translations
; before every exit, walking the guest's page tables for each: for a page no
; longer mapped that walk faulted inside QEMU, unseen, and left CR2 and a
; "fault in flight" behind (what Linux met after dropping its identity map).
bits 64
org 0x1000
	mov rsp, 0x9000
	xor r15, r15			; the handler reports, then halts
	mov rax, 0x1234
	mov cr2, rax
	call 0x5010			; out 0xe9, al at 0x5010: an exit there
	mov qword [0x13000 + 5 * 8], 0	; page 0x5000 no longer mapped
	invlpg [0x5000]
	mov al, 2
	out 0xe9, al			; runs end now with that exit unmapped
	mov al, 3
	out 0xe9, al
	mov rax, cr2			; still the guest's
	out 0xe9, eax
	mov rax, [0x5000]		; the guest's own #PF: vector 14, CR2 0x5000
	hlt
%include "lm_idt.inc"
	times 0x4010 - ($ - $$) db 0xf4
	mov al, 1			; 0x5010
	out 0xe9, al
	ret
