; title: reading from the serial port (IN) is an error
; title-zh: 从串口读（IN）是错误
; points: 2
; hint: KVM_EXIT_IO reports both "in" and "out" instructions; run->io.direction tells which. This device can only be written.
; hint-on: exit
; hint-zh: KVM_EXIT_IO 既报告 "in" 也报告 "out" 指令，要看 run->io.direction 区分。这个设备只能写。
; expect-exit: error
; expect-stdout: "now reading a byte from port 0x3f8\n"
;
; Good output, then "in al, dx" from port 0x3f8. A VMM that treats it as
; output prints something and lets the guest go on.
%include "serial.inc"           ; bits 16, org 0x1000, PRINT label (see serial.inc)

        PRINT before
        mov dx, 0x3f8
        mov al, 'Q'
        in al, dx               ; the VMM must stop here
        out dx, al              ; echo whatever came back
        PRINT after
        hlt

before: db "Now reading a byte from port 0x3f8", 10, 0
after:  db "...and still running after the read", 10, 0
