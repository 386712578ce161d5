; title: a write to a read-only register is an error
; title-zh: 写只读寄存器是错误
; points: 1
; visibility: hidden
; hint: Writes go only to the writable registers of the table (virtio 1.x, 4.2.2); a write to MagicValue is a guest error.
; hint-zh: 只能写表中可写的寄存器（virtio 1.x 第 4.2.2 节）；写 MagicValue 是客户机错误。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; The guest writes MagicValue.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        VWR MAGIC, 0x12345678
        PRINTS "...and still running after it", 10
        POWEROFF
