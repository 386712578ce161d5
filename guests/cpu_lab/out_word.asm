; title: a 2-byte OUT (out dx, ax) is an error
; title-zh: 2 字节的 OUT（out dx, ax）是错误
; points: 2
; hint: The serial port's register is one byte wide: run->io.size must be 1, anything else is an error.
; hint-on: exit
; hint-zh: 串口的寄存器只有一个字节宽：run->io.size 必须是 1，其他都是错误。
; expect-exit: error
; expect-stdout: "next: a 2-byte write to port 0x3f8\n"
;
; Good output, then an OUT of 2 bytes to the right port. A VMM that only
; checks the port prints one of the bytes and lets the guest go on.
%include "serial.inc"           ; bits 16, org 0x1000, PRINT label (see serial.inc)

        PRINT before
        mov dx, 0x3f8
        mov ax, 'OK'
        out dx, ax             ; 2 bytes at once: the VMM must stop here
        PRINT after
        hlt

before: db "Next: a 2-byte write to port 0x3f8", 10, 0
after:  db "...and still running after the 2-byte write", 10, 0
