; title: a read of a write-only register is an error
; title-zh: 读只写寄存器是错误
; points: 1
; visibility: hidden
; hint: Reads come only from the readable registers of the table (virtio 1.x, 4.2.2); QueueNotify can only be written.
; hint-zh: 只能读表中可读的寄存器（virtio 1.x 第 4.2.2 节）；QueueNotify 只能写。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; The guest reads QueueNotify.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        VRD QUEUE_NOTIFY
        PRINTS "...and still running after it", 10
        POWEROFF
