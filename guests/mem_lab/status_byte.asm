; title: a 1-byte read of STATUS is an error
; title-zh: 读 STATUS 的 1 个字节是错误
; points: 1
; visibility: hidden
; hint: STATUS and ID are read 4 bytes at a time: check run->mmio.len for reads too.
; hint-on: exit
; hint-zh: STATUS 和 ID 每次读 4 字节：对读操作也要检查 run->mmio.len。
; expect-exit: error
; expect-stdout: "a 1-byte read of STATUS...\n"
;
; A 1-byte read of STATUS: the wrong size for the register.
%include "console.inc"

        PRINT before
        mov bl, [abs STATUS]            ; len 1
        PRINT after
        hlt

before: db "a 1-byte read of STATUS...", 10, 0
after:  db "...and still running after it", 10, 0
