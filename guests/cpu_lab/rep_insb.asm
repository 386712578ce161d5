; title: "rep insb": a block read from the serial port is an error
; title-zh: “rep insb”：从串口成块读取是错误
; points: 1
; visibility: hidden
; hint: Check every field of run->io before printing: the direction, the size and the count of elements.
; hint-on: exit
; hint-zh: 打印之前检查 run->io 的每个字段：方向、大小和元素个数。
; expect-exit: error
; expect-stdout: "reading 16 bytes at once\n"
;
; Good output, then "rep insb" of 16 bytes from port 0x3f8: KVM reports
; it as one exit, direction IN with count 16.
%include "serial.inc"           ; bits 16, org 0x1000, PRINT label (see serial.inc)

        PRINT before
        mov di, buffer          ; es:di, es = 0
        mov cx, 16
        mov dx, 0x3f8
        cld
        rep insb                ; the VMM must stop here
        PRINT after
        hlt

before: db "Reading 16 bytes at once", 10, 0
after:  db "...and still running after the block read", 10, 0
buffer: times 16 db 0
