; title: a device-readable buffer on the receiveq is an error
; title-zh: 接收队列上设备只读的缓冲区是错误
; points: 1
; visibility: hidden
; hint: The receiveq's buffers are where the device writes: each must have VIRTQ_DESC_F_WRITE; one without it is a guest error (never write a buffer the driver gave you to read).
; hint-zh: 接收队列的缓冲区是设备写入的地方：每个都必须带 VIRTQ_DESC_F_WRITE；没有该标志的是客户机错误（绝不能写驱动只让你读的缓冲区）。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; A receiveq buffer without the WRITE flag: the device must not write it.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        SET_DESC RXQ, 0, RXBUF, 16, 0, 0
        mov word [abs RXQ + AV_RING], 0
        mov word [abs RXQ + AV_IDX], 1
        VWR QUEUE_NOTIFY, 0
        PRINTS "...and still running after it", 10
        POWEROFF
