; title: an available ring that ends past RAM is an error
; title-zh: 越过 RAM 末尾的可用环是错误
; points: 1
; visibility: hidden
; hint: Check each ring's whole size against RAM, not only its start: the available ring of a queue of 8 is 4 + 2 * 8 bytes (the used ring 4 + 8 * 8, the descriptor table 16 * 8).
; hint-zh: 要用每个环的完整大小与 RAM 比较，而不只是起点：大小为 8 的队列，其可用环有 4 + 2 * 8 字节（已用环 4 + 8 * 8，描述符表 16 * 8）。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; The transmitq's available ring moves to RAM_END - 12: its flags and idx
; are in RAM (idx = 1, nothing new), its ring entries are not. Then it
; moves back, and the guest prints.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        mov word [abs RAM_END - 12], NO_INTERRUPT
        mov word [abs RAM_END - 10], 1
        VWR QUEUE_SEL, 1
        VWR QUEUE_READY, 0
        VWR Q_DRIVER_LO, RAM_END - 12
        VWR QUEUE_READY, 1
        VWR QUEUE_NOTIFY, 1
        VWR QUEUE_READY, 0
        VWR Q_DRIVER_LO, TXQ + Q_AVAIL
        VWR QUEUE_READY, 1
        PRINTS "...and still running after it", 10
        POWEROFF
