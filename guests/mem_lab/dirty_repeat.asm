; title: dirty logging: 5096 writes to one page are one dirty page
; title-zh: 脏页日志：对同一页写 5096 次也只是一个脏页
; points: 2
; hint: The log records which pages were written, not how many writes: a page written many times is one bit.
; hint-zh: 日志记录的是哪些页被写过，而不是写了多少次：一页写很多次也只是一位。
; expect-exit: success
; expect-stdout: "page 0x180000 written 5096 times\ndirty pages: 1\nKVM_EXIT_HLT\n"
;
; Every byte of the page at 0x180000 is written, one at a time, then the
; first byte 1000 more times: still 1 dirty page.
%include "console.inc"

        mov rdi, FREE_RAM + 0x80000
        xor ecx, ecx
.fill:  mov [rdi + rcx], cl
        inc ecx
        cmp ecx, 4096
        jne .fill
        mov ecx, 1000
.again: inc byte [rdi]
        dec ecx
        jnz .again
        PRINT msg
        hlt

msg:    db "page 0x180000 written 5096 times", 10, 0
