; title: avail idx more than the queue's size ahead is an error
; title-zh: avail idx 比队列大小超前太多是错误
; points: 1
; visibility: hidden
; hint: The driver can't have more chains available than the queue has entries: avail->idx - last_avail (16-bit) above q->num is a guest error.
; hint-zh: 驱动可用的链不可能比队列项数多：avail->idx - last_avail（16 位）大于 q->num 是客户机错误。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; The avail idx jumps from 1 to 20 on a queue of 8.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        mov word [abs TXQ + AV_IDX], 20
        VWR QUEUE_NOTIFY, 1
        PRINTS "...and still running after it", 10
        POWEROFF
