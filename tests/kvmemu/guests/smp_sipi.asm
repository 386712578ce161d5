; The BSP enters 32-bit protected mode, sends INIT and a SIPI (vector 3) to
; APIC 1 through the ICR and reports (out 0xf0); the AP never runs.
%include "pm32.inc"
org 0x1000
	pm32_enter
	mov dword [0xfee000f0], 0x1ff		; SVR: enabled
	mov dword [0xfee00310], 0x01000000	; ICR2: APIC 1
	mov dword [0xfee00300], 0x00004500	; INIT, assert
	mov dword [0xfee00300], 0x00004603	; SIPI, vector 3
	out 0xf0, al
	hlt

pm32_gdt
