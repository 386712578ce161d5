; issue 21 item 13: CPUID leaf 0xD after KVM_SET_CPUID2: KVM rewrites EBX
; (the XSAVE area size for XCR0); leaf 1 ECX.OSXSAVE follows CR4.
%include "machine.inc"
	mov eax, 0xd
	xor ecx, ecx
	cpuid
	out 0x10, eax
	mov rax, cr4
	bts rax, 18			; OSXSAVE
	mov cr4, rax
	xor ecx, ecx
	mov eax, 3
	xor edx, edx
	xsetbv
	mov eax, 0xd
	xor ecx, ecx
	cpuid
	out 0x10, eax
	mov eax, 1
	cpuid
	hlt
