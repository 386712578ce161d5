; title: the guest checks it is in long mode (CR0, CR3, CR4, EFER)
; title-zh: 客户机检查自己处于长模式（CR0、CR3、CR4、EFER）
; points: 2
; hint: Long mode needs CR0.PE and CR0.PG, CR4.PAE, EFER.LME and EFER.LMA, CR3 = the PML4's guest-physical address, and a code segment with L = 1.
; hint-zh: 长模式需要 CR0.PE 与 CR0.PG、CR4.PAE、EFER.LME 与 EFER.LMA、CR3 = PML4 的客户机物理地址，以及 L = 1 的代码段。
; expect-exit: success
; expect-stdout: "CR0.PE=1 CR0.PG=1 CR4.PAE=1 EFER.LME=1 EFER.LMA=1\nCR3=00001000\n64-bit registers: 1\ndirty pages: 0\nKVM_EXIT_HLT\n"
;
; The guest reads its own control registers and EFER (rdmsr 0xc0000080)
; and reports the bits long mode needs, and CR3. That it runs at all, with
; 64-bit code, says CS.L = 1; it also shows a 64-bit register: the shift of
; 1 by 40 is zero in a 32-bit register.
%include "console.inc"

%macro BIT 3                            ; BIT name, register value in rbx, bit
        PRINT %%name
        bt rbx, %3
        setc al
        add al, '0'
        mov [abs DATA], al
        jmp %%done
%%name: db %1, "=", 0
%%done:
%endmacro

        mov rbx, cr0
        BIT "CR0.PE", rbx, 0
        PUTC ' '
        BIT "CR0.PG", rbx, 31
        PUTC ' '
        mov rbx, cr4
        BIT "CR4.PAE", rbx, 5
        PUTC ' '
        mov ecx, 0xc0000080             ; EFER
        rdmsr
        mov ebx, eax
        BIT "EFER.LME", rbx, 8
        PUTC ' '
        BIT "EFER.LMA", rbx, 10
        PUTC 10
        PRINT s_cr3
        mov rax, cr3
        PRINTHEX32
        PUTC 10
        mov rax, 1
        shl rax, 40                     ; 0 unless registers are 64 bits wide
        shr rax, 40
        lea ebx, [rax + '0']
        PRINT s_64
        mov [abs DATA], bl
        PUTC 10
        hlt

s_cr3:  db "CR3=", 0
s_64:   db "64-bit registers: ", 0
