; A CR3 switch to other tables (test_lm.c dirty_log_cr3_switch).
bits 64
org 0x1000
	mov eax, [0x5000]
	out 0xe9, eax
	mov rax, 0x20000
	mov cr3, rax			; tables at 0x20000, 0x21000, 0x22000 (same PT)
	mov eax, [0x6000]
	out 0xe9, eax
	hlt
