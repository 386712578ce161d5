; m05: the LAPIC timer's periodic and TSC-deadline modes (lapic.c). Periodic:
; three ticks (each lands after the HLT, or at the IRET of the one before:
; the same RIP), the third masks LVTT and stops TMICT (a fourth that expired
; first is taken silently, the count set back to 3). A mode change clears TMICT (apic_update_lvtt).
; TSC-deadline (CPUID.1:ECX[24], iovmm sets it): TMICT writes ignored,
; IA32_TSC_DEADLINE (0x6e0) reads back its deadline, fires, then reads 0;
; reads 0 outside deadline mode. Nothing timed is printed: a deadline is
; only compared with itself, TMCCT is read only where it is 0. First, each
; LVT/TDCR/SVR's writable bits.
%define IO_FLAGS IO_IRQCHIP
%include "io.inc"
%define TICKS SHARED
%define FIRED SHARED + 4
io_main:
	call setup_idt
	lapic_write 0xf0, 0x1ff
	mov eax, 1
	cpuid
	and ecx, 1 << 24
	xor ebx, ebx			; the rest is the host's (SS, ...)
	xor edx, edx
	report ecx			; TSC-deadline offered
	; each register's writable bits (kvm_lapic_reg_write): all ones in, read back
	lapic_write 0x320, 0xffffffff
	lapic_read 0x320
	out 0xe0, eax			; LVTT: LVT_MASK | the timer-mode bits
	lapic_write 0x350, 0xffffffff
	lapic_read 0x350
	out 0xe0, eax			; LVT0
	lapic_write 0x370, 0xffffffff
	lapic_read 0x370
	out 0xe0, eax			; LVTERR
	lapic_write 0x3e0, 0xffffffff
	lapic_read 0x3e0
	out 0xe0, eax			; TDCR: 0xb
	lapic_write 0xf0, 0xffffffff
	lapic_read 0xf0
	out 0xe0, eax			; SVR
	lapic_write 0x320, 0x10000	; back to their reset values
	lapic_write 0x350, 0x700
	lapic_write 0x370, 0x10000
	lapic_write 0x3e0, 0
	lapic_write 0xf0, 0x1ff
	; periodic: vector 0x62, divide by 1, ~1 ms at KVM's 1 GHz APIC bus
	lapic_write 0x3e0, 0xb
	lapic_write 0x320, 0x20062
	lapic_write 0x380, 0x100000
	lapic_read 0x320
	out 0xe0, eax
.w1:	cmp dword [TICKS], 3
	jae .three
	xor ecx, ecx			; flags the frame shows: one tick may come at the last one's IRET
	sti
	hlt
	cli
	jmp .w1
.three:	mov dword [TICKS], 3		; a fourth may have expired before the mask (time)
	xor ecx, ecx			; and its flags with it
	lapic_read 0x390
	out 0xe0, eax			; TMCCT 0: TMICT is 0
	out 0xe5, al			; masked, stopped, nothing pending
	lapic_write 0x380, 0x5000	; armed while masked ...
	lapic_write 0x320, 0x40061	; ... and a mode change clears it
	lapic_read 0x320
	out 0xe0, eax			; deadline mode, vector 0x61
	lapic_read 0x380
	out 0xe0, eax			; TMICT 0
	lapic_write 0x380, 0x1000
	lapic_read 0x380
	out 0xe0, eax			; still 0: ignored in deadline mode
	lapic_read 0x390
	out 0xe0, eax			; TMCCT 0 in deadline mode
	mov ecx, 0x6e0
	rdmsr
	or eax, edx
	out 0xe0, eax			; no deadline yet: 0
	; a deadline far away (2^40 cycles) reads back as written
	rdtsc
	add edx, 0x100
	mov esi, eax
	mov edi, edx
	mov ecx, 0x6e0
	wrmsr
	rdmsr
	xor eax, esi
	xor edx, edi
	or eax, edx
	xor esi, esi			; no TSC value left in a register
	xor edi, edi
	out 0xe0, eax			; 0: the same
	; one about 2M cycles on: it fires, and the MSR reads 0 after
	rdtsc
	add eax, 0x200000
	adc edx, 0
	mov ecx, 0x6e0
	wrmsr
	xor eax, eax
	xor edx, edx
.w2:	cmp dword [FIRED], 0x61
	je .fired
	sti
	hlt
	cli
	jmp .w2
.fired:	mov ecx, 0x6e0
	rdmsr
	or eax, edx
	out 0xe0, eax			; 0
	out 0xe5, al
	; armed far away, then one-shot mode: cancelled, and the MSR reads 0
	rdtsc
	add edx, 0x100
	mov ecx, 0x6e0
	wrmsr
	lapic_write 0x320, 0x61
	rdmsr
	or eax, edx
	out 0xe0, eax			; 0 (not deadline mode)
	lapic_write 0x320, 0x40061
	rdmsr
	or eax, edx
	out 0xe0, eax			; 0 (the mode change dropped it)
	report 0x500
	out 0xef, al

on_vector:
	xchg eax, [esp]
	cmp eax, 0x62
	je .tick
	out 0xe0, eax			; the vector
	mov [FIRED], eax
	mov eax, [esp + 4]
	out 0xe0, eax			; where it landed
	jmp .eoi
.tick:	inc dword [TICKS]
	cmp dword [TICKS], 3
	ja .eoi				; a tick that expired before the mask
	out 0xe0, eax
	mov eax, [esp + 4]
	out 0xe0, eax
	cmp dword [TICKS], 3
	jb .eoi
	lapic_write 0x320, 0x30062	; the third masks and stops
	lapic_write 0x380, 0
.eoi:	lapic_write 0xb0, 0
	pop eax
	iret
ap_main:
	hlt
