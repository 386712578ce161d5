; title: dirty logging: 1 MiB written with rep stosq, 256 dirty pages
; title-zh: 脏页日志：用 rep stosq 写 1 MiB，256 个脏页
; points: 2
; hint: Count every set bit of every 64-bit word of the bitmap (1024 pages of RAM: 16 words); a 64-bit word needs a 64-bit bit count.
; hint-zh: 要数出位图中每个 64 位字的每个置位位（1024 页 RAM：16 个字）；64 位的字要用 64 位的位计数。
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
