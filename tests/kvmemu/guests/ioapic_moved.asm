; The IOAPIC's page around a KVM_SET_IRQCHIP that moves its base: out 0xf1
; the version register read at 0xfec00000 (IOREGSEL 1, IOWIN); the host moves
; the base; the same write and read again (each an MMIO exit on KVM); out
; 0xf2 what the read got; the host moves it back; the version again, out 0xf3;
; then a read past the IOAPIC's 0x100 bytes (an MMIO exit on KVM), out 0xf4.
%include "pm32.inc"
org 0x1000
	pm32_enter
	mov dword [0xfec00000], 1
	mov eax, [0xfec00010]
	out 0xf1, eax
	mov dword [0xfec00000], 1
	mov eax, [0xfec00010]
	out 0xf2, eax
	mov dword [0xfec00000], 1
	mov eax, [0xfec00010]
	out 0xf3, eax
	mov eax, [0xfec00100]
	out 0xf4, eax
	hlt
	pm32_gdt
