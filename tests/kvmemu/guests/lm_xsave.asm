; CPUID leaf 0xD and XCR0 (test_lm.c cpuid_xsave_size).
bits 64
org 0x1000
	mov rsp, 0x9000
	mov eax, 0xd
	xor ecx, ecx
	cpuid
	mov eax, ebx
	out 0xe9, eax			; EBX: the XSAVE area XCR0 needs
	hlt
