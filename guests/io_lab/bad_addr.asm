; title: a descriptor whose buffer is outside RAM is an error
; title-zh: 缓冲区在 RAM 之外的描述符是错误
; points: 2
; visibility: public
; hint: Every address in a descriptor is the guest's: check that the whole buffer, addr to addr + len, is in RAM before touching it; if not, stop with a message on stderr and a non-zero exit.
; hint-zh: 描述符中的每个地址都来自客户机：在访问之前检查整个缓冲区（addr 到 addr + len）都在 RAM 中；否则在 stderr 上报错并以非零状态退出。
; expect-exit: error
; expect-stdout: "before the bad request\n"
;
; A transmitq request whose buffer is at guest-physical 0x500000, past the
; 4 MiB of RAM. A device that reads it through guest_ptr() without the
; bounds check reads past the end of the VMM's mapping.
%include "virtio.inc"

        call vio_init
        PRINTS "before the bad request", 10
        SET_DESC TXQ, 0, 0x500000, 16, 0, 0
        xor esi, esi
        call tx_post
        VWR QUEUE_NOTIFY, 1
        PRINTS "...and still running after it", 10
        POWEROFF
