; title: an avail ring entry past the queue's size is an error
; title-zh: 超出队列大小的 avail 环表项是错误
; points: 1
; visibility: hidden
; hint: The heads in the avail ring are descriptor indices too: check them against q->num.
; hint-zh: avail 环中的链头也是描述符下标：同样要与 q->num 比较。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; The avail ring's entry names descriptor 9 of a queue of 8.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        SET_DESC TXQ, 0, text, 5, 0, 0
        mov esi, 9
        call tx_post
        VWR QUEUE_NOTIFY, 1
        jmp past_data
text:   db "text", 10
past_data:
        PRINTS "...and still running after it", 10
        POWEROFF
