; title: a device-writable buffer on the transmitq is an error
; title-zh: 发送队列上设备可写的缓冲区是错误
; points: 1
; visibility: hidden
; hint: The transmitq carries the guest's output: the device only reads it. A descriptor with VIRTQ_DESC_F_WRITE there is a guest error.
; hint-zh: 发送队列承载客户机的输出：设备只读取它。这里出现带 VIRTQ_DESC_F_WRITE 的描述符是客户机的错误。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; A transmitq chain whose second descriptor has the WRITE flag.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        SET_DESC TXQ, 0, text, 5, F_NEXT, 1
        SET_DESC TXQ, 1, text, 5, F_WRITE, 0
        xor esi, esi
        call tx_post
        VWR QUEUE_NOTIFY, 1
        jmp past_data
text:   db "text", 10
past_data:
        PRINTS "...and still running after it", 10
        POWEROFF
