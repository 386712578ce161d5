; title: dirty logging: page 0 (guest-physical 0x0) counts too
; title-zh: 脏页日志：第 0 页（客户机物理地址 0x0）也要计数
; points: 1
; hint: Count every bit of the dirty bitmap, bit 0 of word 0 (the page at guest-physical 0x0) included: page i is bit i % 64 of word i / 64.
; hint-zh: 脏页位图的每一位都要数，包括第 0 个字的第 0 位（客户机物理地址 0x0 处的页）：第 i 页是第 i / 64 个字的第 i % 64 位。
; expect-exit: success
; expect-stdout: "wrote page 0 and one page of free RAM\ndirty pages: 2\nKVM_EXIT_HLT\n"
;
; One byte written at guest-physical 0x0, the first page of RAM (free: the
; page tables start at 0x1000), then one in free RAM: 2 dirty pages. A count
; that skips page 0 (bit 0 of the bitmap's first word) says 1; no other
; scenario writes page 0.
%include "console.inc"

        mov byte [abs 0x0], 0x5a
        mov byte [abs FREE_RAM + 0x40], 1
        PRINT msg
        hlt

msg:    db "wrote page 0 and one page of free RAM", 10, 0
