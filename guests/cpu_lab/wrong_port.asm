; title: a byte for another port (COM2, 0x2f8) is an error
; title-zh: 写往另一个端口（COM2，0x2f8）的字节是错误
; points: 2
; hint: Only port 0x3f8 exists. An access to any other port must end the VMM: a message on stderr and a non-zero exit status.
; hint-on: exit
; hint-zh: 只有端口 0x3f8 存在。访问任何其他端口都必须结束 VMM：在 stderr 上输出信息，并以非零状态退出。
; expect-exit: error
; expect-stdout: "printing to com1, then writing to com2...\n"
;
; Good output, then one byte to port 0x2f8. A correct VMM stops there;
; if it goes on, the guest prints more, which the expected output lacks.
%include "serial.inc"           ; bits 16, org 0x1000, PRINT label (see serial.inc)

        PRINT before
        mov dx, 0x2f8           ; COM2's data register: no such device here
        mov al, 'X'
        out dx, al              ; the VMM must stop here
        PRINT after
        hlt

before: db "Printing to COM1, then writing to COM2...", 10, 0
after:  db "...and still running after the bad port", 10, 0
