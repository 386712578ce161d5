; title: dirty logging: reading memory dirties nothing
; title-zh: 脏页日志：读内存不会弄脏任何页
; points: 1
; visibility: hidden
; hint: Only writes set bits in the dirty log; a guest that only reads RAM and the ROM has written 0 pages.
; hint-zh: 只有写才会在脏页日志中置位；只读 RAM 和 ROM 的客户机写过 0 页。
; expect-exit: success
; expect-stdout: "read every page of RAM above 0x20000 and the ROM; checksum 9f7333e1\ndirty pages: 0\nKVM_EXIT_HLT\n"
;
; The guest reads a dword of every page of RAM above its image
; (0x20000-0x3fffff, 992 pages) and all of the ROM, and prints a checksum:
; 0 dirty pages. (The page tables' Accessed
; and Dirty bits are preset by the VMM, so the CPU's page walks write
; nothing either: see the handout.)
%include "console.inc"

        mov rsi, 0x20000
        xor ebx, ebx
.ram:   add ebx, [rsi + 0x7fc]
        add rsi, 4096
        cmp rsi, RAM_END
        jb .ram
        mov rsi, ROM
.rom:   add ebx, [rsi]
        add rsi, 4
        cmp rsi, ROM + 0x1000
        jb .rom
        PRINT msg
        mov eax, ebx
        PRINTHEX32
        PUTC 10
        hlt

msg:    db "read every page of RAM above 0x20000 and the ROM; checksum ", 0
