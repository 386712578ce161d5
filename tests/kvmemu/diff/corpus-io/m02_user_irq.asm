; m02: the user-space irqchip. An interrupt queued while IF is clear waits
; for the window (request_interrupt_window -> KVM_EXIT_IRQ_WINDOW_OPEN after
; STI's shadow), then KVM_INTERRUPT; one queued with IF set goes in at the
; next entry; a HLT with one queued exits (KVM_EXIT_HLT) and the interrupt
; lands after it; KVM_NMI reaches vector 2 with IF clear.
%define IO_FLAGS 0
%include "io.inc"
io_main:
	call setup_idt
	mov al, 0x30
	out 0xe1, al			; queue 0x30 with IF clear: a window is asked
	mov ebx, 1
	out 0xe0, eax			; still closed (ready=0 if=0)
	sti
	nop				; STI's shadow: the window opens after it
	inc ebx
	cli
	report 0x100
	mov al, 0x31
	out 0xe1, al			; queue 0x31 with IF clear again
	sti
	hlt				; the window opens in HLT's place
	cli
	report 0x101
	mov al, 0x32
	sti
	nop				; past STI's shadow: at an exit inside it the oracle
					; (QEMU's nested SVM) said ready=1 once in 9 runs
					; (FACTS.md), the hardware 0; kvmemu's own tests keep it
	out 0xe1, al			; queue with IF set: injected at the next entry
	nop
	cli
	report 0x102
	out 0xe2, al			; KVM_NMI with IF clear
	report 0x103
	mov al, 0x33
	out 0xe1, al
	hlt				; with IF clear: KVM_EXIT_HLT, nothing injected
	report 0x104
	out 0xef, al

on_vector:
	report_vector
	pop eax
	iret
ap_main:
	hlt
