; title: a descriptor's next past the queue's size is an error
; title-zh: 描述符的 next 超出队列大小是错误
; points: 1
; visibility: hidden
; hint: next is an index into the descriptor table, which has q->num entries: anything larger is a guest error.
; hint-zh: next 是描述符表中的下标，表中只有 q->num 项：更大的值是客户机的错误。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; The chain's first descriptor points at descriptor 8 of a queue of 8.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        SET_DESC TXQ, 0, text, 5, F_NEXT, 8
        xor esi, esi
        call tx_post
        VWR QUEUE_NOTIFY, 1
        jmp past_data
text:   db "text", 10
past_data:
        PRINTS "...and still running after it", 10
        POWEROFF
