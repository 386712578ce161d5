; title: dirty logging: 1 MiB written with rep stosq, 256 dirty pages
; points: 2
; hint: Count every set bit of every 64-bit word of the bitmap (1024 pages of RAM: 16 words); a 64-bit word needs a 64-bit bit count.
; expect-exit: success
; expect-stdout: "1 MiB written at 0x100000\ndirty pages: 256\nKVM_EXIT_HLT\n"
;
; `rep stosq` fills 0x100000-0x1fffff (256 pages of 4 KiB, within one
; 2 MiB guest page): 256 dirty pages, 4 full words of the bitmap.
%include "console.inc"

        mov rdi, FREE_RAM
        mov rcx, 0x100000 / 8
        mov rax, 0x5a5a5a5a5a5a5a5a
        rep stosq
        PRINT msg
        hlt

msg:    db "1 MiB written at 0x100000", 10, 0
