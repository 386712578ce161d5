; title: dirty logging: one byte every 68 KiB, 46 dirty pages
; title-zh: 脏页日志：每 68 KiB 写一个字节，46 个脏页
; points: 2
; hint: The dirty pages are spread over the bitmap: pages 256, 273, 290, ... Count the bits of every word, the high 32 bits of each word included.
; hint-zh: 脏页分散在整个位图中：第 256、273、290……页。要数出每个字的位，包括每个字的高 32 位。
; expect-exit: success
; expect-stdout: "a byte every 0x11000 bytes from 0x100000\ndirty pages: 46\nKVM_EXIT_HLT\n"
;
; A byte written every 0x11000 bytes (17 pages) from 0x100000 up to the end
; of RAM: pages 256 + 17 k for k = 0..45, 46 pages, scattered across the
; bitmap's words and bit positions.
%include "console.inc"

        mov rdi, FREE_RAM
.next:  mov byte [rdi], 0xdd
        add rdi, 0x11000
        cmp rdi, RAM_END
        jb .next
        PRINT msg
        hlt

msg:    db "a byte every 0x11000 bytes from 0x100000", 10, 0
