; User-space irqchip: an OUT in STI's shadow exits; once KVM completes it at
; the next KVM_RUN the shadow is over, so a requested window opens before
; the NOP after it (kvm_skip_emulated_instruction ends the shadow).
bits 16
org 0x1000
	cli
	sti
	out 0xf0, al		; 0x1002: the shadowed instruction
	nop			; 0x1004: the window opens here
	out 0xf1, al
	hlt
