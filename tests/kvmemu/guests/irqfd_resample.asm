; A resampling irqfd's level interrupt (KVM_IRQFD_FLAG_RESAMPLE): IOAPIC pin 5
; level-triggered on vector 0x50 (PICs masked). out 0xf1: the host writes the
; irqfd; the handler reports from inside (out 0xf3: not acknowledged yet),
; EOIs and returns; with IF set for a while (a line left high would fire
; again), out 0xf2 reports how often the handler ran.
%include "pm32.inc"
org 0x1000
	pm32_enter
	lidt [idtr]
	mov al, 0xff		; both PICs masked
	out 0x21, al
	out 0xa1, al
	xor ebx, ebx
	mov dword [0xfee000f0], 0x1ff	; SVR: enabled, spurious 0xff
	mov dword [0xfec00000], 0x10 + 2 * 5
	mov dword [0xfec00010], 0x8050	; pin 5: vector 0x50, level, fixed
	mov dword [0xfec00000], 0x10 + 2 * 5 + 1
	mov dword [0xfec00010], 0	; destination APIC 0
	out 0xf1, al			; the host writes the irqfd
	sti
	hlt
	mov ecx, 10000			; IF set: a line still high fires again
spin:	loop spin
	cli
	mov eax, ebx
	out 0xf2, al			; 1: the handler ran once
	hlt
h40:
	iretd
h50:
	inc ebx
	out 0xf3, al			; inside the handler, before the EOI
	mov dword [0xfee000b0], 0	; EOI: the resampler lowers the line
	iretd

pm32_gdt
align 8
idt:	times 0x40 dq 0
	dw h40 - $$ + 0x1000, 0x08, 0x8e00, 0
	times 0x50 - 0x41 dq 0
	dw h50 - $$ + 0x1000, 0x08, 0x8e00, 0
idtr:	dw 0x51 * 8 - 1
	dd idt
