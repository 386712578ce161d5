; title: a queue size that isn't a power of 2 is an error
; title-zh: 不是 2 的幂的队列大小是错误
; points: 1
; visibility: hidden
; hint: QueueNum must be 1 .. QueueNumMax and a power of 2 (split virtqueues); 3 is a guest error.
; hint-zh: QueueNum 必须在 1 到 QueueNumMax 之间且为 2 的幂（split virtqueue）；3 是客户机错误。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; The guest selects the receiveq and writes QueueNum 3.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        VWR QUEUE_SEL, 0
        VWR QUEUE_NUM, 3
        PRINTS "...and still running after it", 10
        POWEROFF
