; Two vCPUs: the BSP enters 32-bit protected mode, sends INIT then a SIPI
; (vector 2: the AP starts in real mode at 0x2000) to APIC 1 through the
; ICR, and waits for the AP's mark at 0x3000. The AP stores the mark and
; reports on its own thread (out 0xf5), then waits in hlt with its IVT
; ready (mark 0x66 at 0x3001); the BSP sends it an NMI through the ICR
; (its LAPIC is software-disabled: a fixed IPI would be dropped) and
; reports (out 0xf0); the AP's NMI handler reports (out 0xf6).
%include "pm32.inc"
org 0x1000
	pm32_enter
	mov dword [0xfee000f0], 0x1ff		; SVR: enabled
	mov dword [0xfee00310], 0x01000000	; ICR2: APIC 1
	mov dword [0xfee00300], 0x00004500	; INIT, assert
	mov dword [0xfee00300], 0x00004602	; SIPI, vector 2
spin:	cmp byte [0x3000], 0x55
	jne spin
spin2:	cmp byte [0x3001], 0x66
	jne spin2
	mov dword [0xfee00300], 0x00004400	; NMI IPI
	mov al, [0x3000]
	out 0xf0, al
	hlt

pm32_gdt

	times 0x1000 - ($ - $$) db 0
bits 16
ap:					; 0x2000, CS = 0x200, IP = 0
	xor ax, ax
	mov ds, ax
	mov byte [0x3000], 0x55
	mov ax, cs
	out 0xf5, ax			; the AP's CS
	mov word [2*4], ipi - ap
	mov word [2*4+2], 0x200
	mov byte [0x3001], 0x66
	sti
idle:	hlt
	jmp idle
ipi:	out 0xf6, al
	iret
