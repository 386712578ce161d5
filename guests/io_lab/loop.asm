; title: a descriptor chain that loops is an error
; title-zh: 成环的描述符链是错误
; points: 2
; visibility: public
; hint: A chain can't be longer than the queue's size: count the descriptors as you follow next, and stop with an error past q->num (else a guest makes your device loop forever).
; hint-zh: 一条链不可能比队列大小更长：沿 next 前进时数一数描述符，超过 q->num 就报错退出（否则客户机能让你的设备永远循环下去）。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; A transmitq chain 0 -> 1 -> 0 -> ...: both descriptors have NEXT set
; and point at each other. A device that follows it without counting
; prints forever.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        SET_DESC TXQ, 0, loopa, 5, F_NEXT, 1
        SET_DESC TXQ, 1, loopb, 5, F_NEXT, 0
        xor esi, esi
        call tx_post
        VWR QUEUE_NOTIFY, 1
        jmp past_data
loopa:  db "loop "
loopb:  db "LOOP "
past_data:
        PRINTS "...and still running after it", 10
        POWEROFF
