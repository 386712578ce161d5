; title: a byte for port 0x80 (out imm8, al) is an error
; title-zh: 写往端口 0x80 的字节（out imm8, al）是错误
; points: 1
; visibility: hidden
; hint: The port number can come from DX or from the instruction itself; either way it is in run->io.port, and only 0x3f8 is ours.
; hint-on: exit
; hint-zh: 端口号可能来自 DX，也可能写在指令里；无论哪种都在 run->io.port 中，而只有 0x3f8 是我们的。
; expect-exit: error
; expect-stdout: "now a post code to port 0x80\n"
;
; Good output, then "out 0x80, al" (the port in the instruction, not in
; DX; 0x80 is the PC's POST-code port).
%include "serial.inc"           ; bits 16, org 0x1000, PRINT label (see serial.inc)

        PRINT before
        mov al, 'P'
        out 0x80, al            ; the VMM must stop here
        PRINT after
        hlt

before: db "Now a POST code to port 0x80", 10, 0
after:  db "...and still running after port 0x80", 10, 0
