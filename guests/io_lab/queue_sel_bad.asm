; title: QueueNum for a queue that doesn't exist is an error
; title-zh: 为不存在的队列设置 QueueNum 是错误
; points: 1
; visibility: hidden
; hint: The Queue* registers are about the queue QueueSel names: the console has queues 0 and 1; writing QueueNum for queue 2 is a guest error (never index past your queue array).
; hint-zh: Queue* 寄存器针对的是 QueueSel 选中的队列：控制台只有队列 0 和 1；为队列 2 写 QueueNum 是客户机错误（绝不能越过队列数组的下标）。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; The guest selects queue 2 and writes QueueNum 4.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        VWR QUEUE_SEL, 2
        VWR QUEUE_NUM, 4
        PRINTS "...and still running after it", 10
        POWEROFF
