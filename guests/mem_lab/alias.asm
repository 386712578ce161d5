; title: the higher-half alias: code, data and the console at 0xffffffff80000000 + x
; title-zh: 高半部分别名：位于 0xffffffff80000000 + x 的代码、数据和控制台
; points: 3
; hint: Guest-virtual 0xffffffff80000000 + x must reach guest-physical x. Which PML4 entry and which PDPT entry does that address use? Take bits 47-39 and 38-30 of it.
; hint-zh: 客户机虚拟地址 0xffffffff80000000 + x 必须到达客户机物理地址 x。这个地址用的是哪个 PML4 表项、哪个 PDPT 表项？取它的第 47–39 位和第 38–30 位。
; expect-exit: success
; expect-stdout: "running at the identity address\nrunning in the higher half: RIP >> 32 = ffffffff\n***\nwritten through the alias, read through the identity map: Q\nROM: mem_lab firmware, version 1\ndirty pages: 1\nKVM_EXIT_HLT\n"
;
; The guest jumps to its own code through the alias (RIP 0xffffffff80010000
; and up), prints through the console's alias address, writes a byte of RAM
; through the alias and reads it back through the identity map (the same
; guest-physical page: 1 dirty page), and reads the ROM through the alias.
%include "console.inc"

        PRINT s_low
        mov rax, ALIAS
        lea rbx, [rel high]
        add rax, rbx
        jmp rax                         ; now running in the higher half

high:   lea rbx, [rel high]             ; RIP-relative: the alias address
        shr rbx, 32
        PRINT s_high                    ; RIP-relative: read through the alias
        mov eax, ebx
        PRINTHEX32
        PUTC 10
        mov rdi, ALIAS + CONSOLE        ; the console, through the alias
        mov al, '*'
        mov [rdi], al
        mov [rdi], al
        mov [rdi], al
        mov al, 10
        mov [rdi], al
        mov rdi, ALIAS + FREE_RAM + 0x234
        mov byte [rdi], 'Q'             ; write through the alias...
        mov bl, [abs FREE_RAM + 0x234]  ; ...read through the identity map
        PRINT s_same
        mov [abs DATA], bl
        PUTC 10
        mov rsi, ALIAS + ROM            ; the ROM's text, through the alias
        PRINTZ
        hlt

s_low:  db "running at the identity address", 10, 0
s_high: db "running in the higher half: RIP >> 32 = ", 0
s_same: db "written through the alias, read through the identity map: ", 0
