; title: the receiveq: the device writes the host's input into the guest's buffers
; title-zh: 接收队列：设备把宿主机的输入写进客户机的缓冲区
; points: 3
; hint: On the receiveq every buffer has VIRTQ_DESC_F_WRITE: copy the next bytes of HOST_INPUT into the chain's buffers, no more than each buffer's len, and put the number of bytes written in the used element. With no input left, leave the chain available (don't use it).
; hint-zh: 接收队列上的每个缓冲区都带 VIRTQ_DESC_F_WRITE：把 HOST_INPUT 接下来的字节拷入链中的缓冲区，不超过各缓冲区的 len，并把写入的字节数填进 used 元素。没有剩余输入时，让这条链保持可用（不要使用它）。
; expect-exit: success
; expect-stdout: "used idx: 2\nused idx after a second notify: 2\nused[0].id: 0\nused[0].len: 12\nused[1].id: 2\nused[1].len: 7\nreceived: ping from the host\nafter A and B: ###\n"
;
; Three chains on the receiveq (interrupts off by the avail ring's flag):
; A = 4 + 8 bytes (two descriptors), B = 16 bytes, C = 16 bytes. The 19
; bytes of input fill A, then 7 bytes of B; C must stay available, even
; after another notify. A guard byte after A must stay untouched.
%include "virtio.inc"

        call vio_init
        mov word [abs RXQ + AV_FLAGS], NO_INTERRUPT
        mov rdi, RXBUF                  ; fill the buffers with '#'
        mov ecx, 0x300
        mov al, '#'
        rep stosb
        SET_DESC RXQ, 0, RXBUF, 4, F_WRITE | F_NEXT, 1
        SET_DESC RXQ, 1, RXBUF + 4, 8, F_WRITE, 0
        SET_DESC RXQ, 2, RXBUF + 0x100, 16, F_WRITE, 0
        SET_DESC RXQ, 3, RXBUF + 0x200, 16, F_WRITE, 0
        mov word [abs RXQ + AV_RING], 0
        mov word [abs RXQ + AV_RING + 2], 2
        mov word [abs RXQ + AV_RING + 4], 3
        mov word [abs RXQ + AV_IDX], 3
        VWR QUEUE_NOTIFY, 0
        movzx ebx, word [abs RXQ + US_IDX]
        VWR QUEUE_NOTIFY, 0             ; nothing more to deliver
        movzx r12d, word [abs RXQ + US_IDX]
        PRINTNUM "used idx: ", ebx
        PRINTNUM "used idx after a second notify: ", r12d
        PRINTNUM "used[0].id: ", [abs RXQ + US_RING]
        PRINTNUM "used[0].len: ", [abs RXQ + US_RING + 4]
        PRINTNUM "used[1].id: ", [abs RXQ + US_RING + 8]
        PRINTNUM "used[1].len: ", [abs RXQ + US_RING + 12]
        PRINTS "received: "
        mov rsi, RXBUF                  ; A's 12 bytes
        mov ecx, 12
        call tx_send
        mov rsi, RXBUF + 0x100          ; B's first 7
        mov ecx, 7
        call tx_send
        PRINTS "after A and B: "
        mov rsi, RXBUF + 12
        mov ecx, 1
        call tx_send
        mov rsi, RXBUF + 0x100 + 7
        mov ecx, 1
        call tx_send
        mov rsi, RXBUF + 0x200
        mov ecx, 1
        call tx_send
        PRINTS 10
        POWEROFF
