; title: a buffer whose end wraps around 2^64 is an error
; title-zh: 末尾越过 2^64 回绕的缓冲区是错误
; points: 1
; visibility: hidden
; hint: addr + len can overflow: 0xfffffffffffffff0 + 0x20 is 0x10 in 64 bits. Compare without adding (e.g. addr > RAM_SIZE - len).
; hint-zh: addr + len 可能溢出：在 64 位下 0xfffffffffffffff0 + 0x20 等于 0x10。比较时不要做加法（例如 addr > RAM_SIZE - len）。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; A transmitq buffer at 0xfffffffffffffff0, 0x20 bytes: the sum wraps to
; 0x10, inside RAM.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        SET_DESC TXQ, 0, 0xfffffffffffffff0, 0x20, 0, 0
        xor esi, esi
        call tx_post
        VWR QUEUE_NOTIFY, 1
        PRINTS "...and still running after it", 10
        POWEROFF
