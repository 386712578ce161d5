; title: a buffer that starts in RAM and ends past it is an error
; title-zh: 从 RAM 内开始、越过 RAM 末尾的缓冲区是错误
; points: 1
; visibility: hidden
; hint: Check the end of the buffer too: addr + len must not pass the end of RAM.
; hint-zh: 缓冲区的结尾也要检查：addr + len 不能超过 RAM 的末尾。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; A transmitq buffer of 32 bytes at 0x3ffff0: its last 16 bytes are past
; RAM.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        SET_DESC TXQ, 0, RAM_END - 16, 32, 0, 0
        xor esi, esi
        call tx_post
        VWR QUEUE_NOTIFY, 1
        PRINTS "...and still running after it", 10
        POWEROFF
