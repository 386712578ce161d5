; HLT exits with RIP past it; the next KVM_RUN resumes after it.
bits 16
org 0x1000
	nop			; 0x1000
	hlt			; 0x1001
	hlt			; 0x1002
