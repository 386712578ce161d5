; title: a notify before the queue is ready is ignored; the buffer is served after QueueReady
; title-zh: 队列就绪前的通知被忽略；QueueReady 之后缓冲区才被处理
; points: 2
; hint: QueueNotify of a queue whose QueueReady is 0 must do nothing (the device may not touch its rings yet). Once the driver writes QueueReady = 1, the next notify serves whatever is available.
; hint-zh: 对 QueueReady 为 0 的队列写 QueueNotify 时什么也不能做（设备此时还不能碰它的环）。驱动写入 QueueReady = 1 之后，下一次通知再处理所有可用的请求。
; expect-exit: success
; expect-stdout: "posted before QueueReady, served after\nused idx after the early notify: 0\n"
;
; The driver configures the transmitq (size, addresses) but doesn't set
; QueueReady, posts a request and notifies: nothing may happen. Then it
; sets QueueReady and DRIVER_OK and notifies again.
%include "virtio.inc"

        call vio_probe
        call vio_features
        xor edi, edi
        mov esi, RX_NUM
        mov edx, RXQ
        call queue_setup
        mov edi, 1
        mov esi, TX_NUM
        mov edx, TXQ
        mov [abs tx_num], esi
        call queue_config               ; not ready
        mov word [abs TXQ + AV_FLAGS], NO_INTERRUPT
        SET_DESC TXQ, 0, early, early_len, 0, 0
        xor esi, esi
        call tx_post
        VWR QUEUE_NOTIFY, 1
        movzx ebx, word [abs TXQ + US_IDX]
        VWR QUEUE_SEL, 1
        VWR QUEUE_READY, 1
        VWR STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK
        VWR QUEUE_NOTIFY, 1
        call tx_wait
        PRINTNUM "used idx after the early notify: ", ebx
        POWEROFF

early:  db "posted before QueueReady, served after", 10
early_len equ $ - early
