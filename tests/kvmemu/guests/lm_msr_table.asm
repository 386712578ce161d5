; RDMSR/WRMSR from a table (test_lm.c boot_msr_table): at 0x6000 entries of
; {u32 op (1 read, 2 write, 0 end), u32 index, u64 value}. After each one,
; EAX and EDX go out on port 0xe8 (a write's: the value written). A #GP goes
; through lm_idt.inc's handler (five exits on port 0xe9), which returns past
; the 2-byte instruction (R15 = 2).
bits 64
org 0x1000
	mov rsp, 0x9000
	mov r15, 2
	mov rbx, 0x6000
.next:	mov eax, [rbx]
	test eax, eax
	jz .done
	mov ecx, [rbx + 4]
	mov eax, [rbx + 8]
	mov edx, [rbx + 12]
	cmp dword [rbx], 2
	je .wr
	rdmsr
	jmp .rep
.wr:	wrmsr
.rep:	out 0xe8, eax
	mov eax, edx
	out 0xe8, eax
	add rbx, 16
	jmp .next
.done:	hlt
%include "lm_idt.inc"
