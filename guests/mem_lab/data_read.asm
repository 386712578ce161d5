; title: a read of the console's DATA register is an error
; title-zh: 读控制台的 DATA 寄存器是错误
; points: 1
; hint: DATA is write-only: check run->mmio.is_write.
; hint-on: exit
; hint-zh: DATA 只能写：检查 run->mmio.is_write。
; expect-exit: error
; expect-stdout: "reading the DATA register...\n"
;
; Good output, then a 1-byte read of DATA; the guest then prints what it
; read, so a VMM that goes on prints one more line.
%include "console.inc"

        PRINT before
        mov bl, [abs DATA]              ; len 1, is_write 0
        PRINT after
        mov [abs DATA], bl
        PUTC 10
        hlt

before: db "reading the DATA register...", 10, 0
after:  db "...and still running; DATA read ", 0
