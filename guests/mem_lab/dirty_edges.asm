; title: dirty logging: the last page of RAM, a write across two pages, the stack
; title-zh: 脏页日志：RAM 的最后一页、跨两页的写、栈
; points: 2
; visibility: hidden
; hint: Count all 1024 pages of RAM, the last one (0x3ff000) included; a write that crosses a page boundary dirties both pages; a push writes the stack.
; hint-zh: 要数满 RAM 的全部 1024 页，包括最后一页（0x3ff000）；跨越页边界的写会弄脏两页；push 会写栈。
; expect-exit: success
; expect-stdout: "wrote the last byte of RAM, 8 bytes at 0x200ffc, and pushed\ndirty pages: 4\nKVM_EXIT_HLT\n"
;
; The last byte of RAM (page 1023), an 8-byte write at 0x200ffc (pages
; 0x200000 and 0x201000), a push (the stack page, 0xf000): 4 dirty pages.
%include "console.inc"

        mov byte [abs RAM_END - 1], 0xee
        mov rax, -1
        mov [abs FREE_RAM + 0x100ffc], rax
        push rax
        pop rax
        PRINT msg
        hlt

msg:    db "wrote the last byte of RAM, 8 bytes at 0x200ffc, and pushed", 10, 0
