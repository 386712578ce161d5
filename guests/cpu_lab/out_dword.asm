; title: a 4-byte OUT (out dx, eax) is an error
; title-zh: 4 字节的 OUT（out dx, eax）是错误
; points: 1
; visibility: hidden
; hint: The serial port's register is one byte wide: run->io.size must be 1, anything else is an error.
; hint-on: exit
; hint-zh: 串口的寄存器只有一个字节宽：run->io.size 必须是 1，其他都是错误。
; expect-exit: error
; expect-stdout: "next: a 4-byte write to port 0x3f8\n"
;
; Good output, then an OUT of 4 bytes to the right port. A VMM that only
; checks the port prints one of the bytes and lets the guest go on.
%include "serial.inc"           ; bits 16, org 0x1000, PRINT label (see serial.inc)

        PRINT before
        mov dx, 0x3f8
        mov eax, 'Yes!'
        out dx, eax             ; 4 bytes at once: the VMM must stop here
        PRINT after
        hlt

before: db "Next: a 4-byte write to port 0x3f8", 10, 0
after:  db "...and still running after the 4-byte write", 10, 0
