; The in-kernel LAPIC and IOAPIC from 32-bit protected mode (entered by the
; guest from real mode): the PICs are masked, the LAPIC enabled (SVR) and
; its timer set one-shot (divide 1, 100000 ns) on vector 0x40; hlt waits for
; it. Then IOAPIC pin 5 is routed to vector 0x50 (edge, fixed, APIC 0) and
; the guest reports (out 0xf1) for the host to raise GSI 5. Each handler
; adds to EBX and writes the LAPIC's EOI; out 0xf0/0xf2 report EBX.
%include "pm32.inc"
org 0x1000
	pm32_enter
	lidt [idtr]
	mov al, 0xff		; both PICs masked
	out 0x21, al
	out 0xa1, al
	xor ebx, ebx
	mov dword [0xfee000f0], 0x1ff	; SVR: enabled, spurious 0xff
	mov dword [0xfee003e0], 0xb	; divide by 1
	mov dword [0xfee00320], 0x40	; LVTT: one-shot, vector 0x40
	mov dword [0xfee00380], 100000	; TMICT
	sti
	hlt
	mov eax, ebx
	out 0xf0, al			; 1: the timer's handler ran
	mov dword [0xfec00000], 0x10 + 2 * 5
	mov dword [0xfec00010], 0x50	; pin 5: vector 0x50, edge, fixed
	mov dword [0xfec00000], 0x10 + 2 * 5 + 1
	mov dword [0xfec00010], 0	; destination APIC 0
	mov eax, [0xfee00030]
	cli				; GSI 5 comes during the exit: taken after the sti's shadow, in hlt
	out 0xf1, eax			; the LAPIC version; the host raises GSI 5
	sti
	hlt
	mov eax, ebx
	out 0xf2, al			; 0x11: both handlers ran
	cli
	hlt
h40:
	inc ebx
	mov dword [0xfee000b0], 0	; EOI
	iretd
h50:
	add ebx, 0x10
	mov dword [0xfee000b0], 0
	iretd

pm32_gdt
align 8
idt:	times 0x40 dq 0
	dw h40 - $$ + 0x1000, 0x08, 0x8e00, 0
	times 0x50 - 0x41 dq 0
	dw h50 - $$ + 0x1000, 0x08, 0x8e00, 0
idtr:	dw 0x51 * 8 - 1
	dd idt
