; title: a notify of a queue that doesn't exist is an error
; title-zh: 通知一个不存在的队列是错误
; points: 1
; visibility: hidden
; hint: QueueNotify's value is a queue index: the console has queues 0 and 1 only.
; hint-zh: QueueNotify 的值是队列下标：这个控制台只有队列 0 和 1。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; The guest notifies queue 2.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        VWR QUEUE_NOTIFY, 2
        PRINTS "...and still running after it", 10
        POWEROFF
