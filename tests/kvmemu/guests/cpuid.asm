; CPUID of leaves 0, 1, 0x80000001 and 0x12345 (out of range), subleaf 0:
; four OUTs (EAX, EBX, ECX, EDX) per leaf, then hlt.
bits 16
org 0x1000
	mov dx, 0x3f8
	mov si, leaves
.next:	mov eax, [si]
	cmp eax, 0xffffffff
	je .done
	xor ecx, ecx
	cpuid
	out dx, eax
	mov eax, ebx
	out dx, eax
	mov eax, ecx
	out dx, eax
	mov eax, edx
	out dx, eax
	add si, 4
	jmp .next
.done:	hlt
leaves:	dd 0, 1, 0x80000001, 0x12345, 0xffffffff
