; Flat 32-bit protected mode with an IDT whose limit is 0 (set by the test):
; `int3` faults with #GP, #GP with #DF, #DF: triple fault -> KVM_EXIT_SHUTDOWN.
bits 32
org 0x1000
	mov esp, 0x9000
	int3
	hlt
