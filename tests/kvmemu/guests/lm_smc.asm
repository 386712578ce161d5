; Long mode: the guest rewrites code it has run, as Linux patches itself at
; boot (text_poke_early: an immediate, and a `jmp` to a return thunk made
; `ret; int3...`), through the same mapping and through an alias of its page
; (test_lm.c self_modifying_code_64; virtual 0x7000 maps physical 0x6000).
bits 64
org 0x1000
	mov rsp, 0x9000
	call f
	out 0xe9, eax			; 0x11
	mov byte [f + 1], 0x22		; the immediate, same mapping
	call f
	out 0xe9, eax			; 0x22
	mov byte [f + 1 + 0x1000], 0x33	; through the alias
	call f
	out 0xe9, eax			; 0x33
	call g
	out 0xe9, eax			; 0x55 (through the thunk)
	mov dword [g.tail], 0xccccccc3	; ret; int3; int3; int3
	mov byte [g.tail + 4], 0xcc
	call g
	out 0xe9, eax			; 0x44
	hlt
%include "lm_idt.inc"
	times 0x5000 - ($ - $$) db 0xf4
f:	mov eax, 0x11			; 0x6000
	ret
	times 0x5010 - ($ - $$) db 0xf4
g:	mov eax, 0x44			; 0x6010
.tail:	jmp thunk
	times 0x5040 - ($ - $$) db 0xf4
thunk:	mov eax, 0x55
	ret
