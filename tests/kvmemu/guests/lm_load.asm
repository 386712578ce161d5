; One load and an OUT (test_lm.c dirty_log_4k_tables).
bits 64
org 0x1000
	mov eax, [0x5000]
	out 0xe9, eax
	hlt
