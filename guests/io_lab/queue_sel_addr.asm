; title: a queue address for a queue that doesn't exist is an error
; title-zh: 为不存在的队列设置队列地址是错误
; points: 1
; visibility: hidden
; hint: Every Queue* register checks QueueSel, the address halves too: QueueDeviceHigh for queue 7 is a guest error.
; hint-zh: 每个 Queue* 寄存器都要检查 QueueSel，地址的两半也一样：为队列 7 写 QueueDeviceHigh 是客户机错误。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; The guest selects queue 7 and writes QueueDeviceHigh.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        VWR QUEUE_SEL, 7
        VWR Q_DEVICE_HI, 0
        PRINTS "...and still running after it", 10
        POWEROFF
