; m11: two vCPUs in x2APIC mode (lapic.c kvm_x2apic_icr_write, kvm_apic_match_dest).
; The BSP switches to x2APIC and wakes vCPU 1 with INIT-SIPI-SIPI through the
; 64-bit ICR (MSR 0x830, destination in EDX); the AP switches too and reports
; its x2APIC ID and LDR (cluster 0, bit 1); the BSP sends it IPI 0x40 in
; logical mode (cluster 0, mask 2), the AP answers with IPI 0x41 in physical
; mode to ID 0; EOIs through MSR 0x80b. As m01, each waits in sti;hlt.
%define IO_FLAGS IO_IRQCHIP | IO_SMP
%include "io.inc"
%macro x2on 0
	mov ecx, 0x1b
	rdmsr
	or eax, 0xc00
	wrmsr
	mov ecx, 0x80f
	xor edx, edx
	mov eax, 0x1ff
	wrmsr				; SVR
%endmacro
%macro icr 2				; destination, low word
	mov ecx, 0x830
	mov edx, %1
	mov eax, %2
	wrmsr
%endmacro
io_main:
	call setup_idt
	x2on
	icr 1, 0x4500			; INIT to x2APIC ID 1
	icr 1, 0x4610			; SIPI, vector 0x10
	icr 1, 0x4610			; the second, ignored
.up:	pause
	cmp dword [SHARED], 1
	jne .up
	report [SHARED + 4]		; the AP's x2APIC ID
	report [SHARED + 16]		; its LDR
	icr 2, 0x4840			; IPI 0x40, logical: cluster 0, mask 2
.wait:	cli
	cmp dword [SHARED + 8], 0x41
	je .got
	sti
	hlt
	jmp .wait
.got:	report [SHARED + 12]
	mov ecx, 0x830
	rdmsr
	out 0xe0, eax			; the ICR as sent (no delivery status in x2APIC)
.done:	pause
	cmp dword [SHARED], 2
	jne .done
	out 0xe5, al
	out 0xef, al

ap_main:
	x2on
	mov ecx, 0x1b
	rdmsr
	out 0xe0, eax			; not the BSP: bit 8 clear
	mov ecx, 0x802
	rdmsr
	mov [SHARED + 4], eax
	out 0xe0, eax
	mov ecx, 0x80d
	rdmsr
	mov [SHARED + 16], eax
	out 0xe0, eax
	mov dword [SHARED], 1
.wait:	cli
	cmp dword [SHARED + 12], 0
	jne .got
	sti
	hlt
	jmp .wait
.got:	icr 0, 0x4041			; IPI 0x41 to x2APIC ID 0, physical
	out 0xe5, al
	report 0xa9
	mov dword [SHARED], 2
	out 0xef, al

on_vector:
	xchg eax, [esp]
	out 0xe0, eax			; the vector
	push ecx
	push edx
	cmp eax, 0x40
	jne .not40
	mov dword [SHARED + 12], 0x1234abcd
	mov ecx, 0x812
	rdmsr
	out 0xe0, eax			; ISR 0x40-0x5f: bit 0
.not40:	cmp eax, 0x41
	jne .eoi
	mov [SHARED + 8], eax
.eoi:	mov ecx, 0x80b
	xor eax, eax
	xor edx, edx
	wrmsr
	pop edx
	pop ecx
	pop eax
	iret
