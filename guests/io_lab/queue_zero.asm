; title: a queue size of 0 is an error
; title-zh: 队列大小为 0 是错误
; points: 1
; visibility: hidden
; hint: QueueNum must be at least 1: a queue of 0 entries has no ring position (idx % 0).
; hint-zh: QueueNum 至少为 1：0 项的队列没有环位置（idx % 0）。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; The guest selects the receiveq and writes QueueNum 0.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        VWR QUEUE_SEL, 0
        VWR QUEUE_NUM, 0
        PRINTS "...and still running after it", 10
        POWEROFF
