; title: used-buffer interrupts: one for the transmitq, one for the receiveq, acknowledged
; title-zh: 已用缓冲区中断：发送队列一次、接收队列一次，并被确认
; points: 4
; hint: After using buffers, unless the avail ring's flags say VIRTQ_AVAIL_F_NO_INTERRUPT: set bit 0 of InterruptStatus, then give GSI 5 an edge with KVM_IRQ_LINE (level 1, then 0). InterruptACK clears the bits the guest writes. A line left at 1 gives no second edge.
; hint-zh: 使用了缓冲区之后，除非 avail 环的 flags 为 VIRTQ_AVAIL_F_NO_INTERRUPT：先置 InterruptStatus 的第 0 位，再用 KVM_IRQ_LINE 给 GSI 5 一个边沿（先电平 1，再电平 0）。InterruptACK 清除客户机写入的那些位。一直保持为 1 的中断线不会产生第二个边沿。
; expect-exit: success
; expect-stdout: "a request with interrupts on\ninterrupts after the transmit: 1\nInterruptStatus in the handler: 1\ninterrupts after the receive: 2\nInterruptStatus after the acks: 0\nspurious: 0\nreceived bytes: 19\nping from the host\ninterrupts in all: 2\n"
;
; With interrupts enabled (IF = 1), the guest asks for interrupts on the
; transmitq (avail flags 0) and sends a request: the device's interrupt
; must be taken right after the notify, its handler (virtio.inc) reading
; InterruptStatus 1 and acknowledging it. Then a receive buffer, whose
; interrupt must arrive as well, and one more that gets no input (all of
; it is taken): no interrupt for that one. Printing afterwards is polled
; again.
%include "virtio.inc"

        call vio_init
        mov word [abs TXQ + AV_FLAGS], 0
        PRINTS "a request with interrupts on", 10
        mov r12d, [abs irq_count]
        mov r13d, [abs irq_status]
        SET_DESC RXQ, 0, RXBUF, 64, F_WRITE, 0
        mov word [abs RXQ + AV_RING], 0
        mov word [abs RXQ + AV_IDX], 1
        VWR QUEUE_NOTIFY, 0
        mov r14d, [abs irq_count]
        mov word [abs TXQ + AV_FLAGS], NO_INTERRUPT
        VRD INT_STATUS
        mov ebx, eax
        ; one more receive buffer: no input is left, so the device uses
        ; nothing and must not interrupt
        SET_DESC RXQ, 1, RXBUF + 64, 64, F_WRITE, 0
        mov word [abs RXQ + AV_RING + 2], 1
        mov word [abs RXQ + AV_IDX], 2
        VWR QUEUE_NOTIFY, 0
        PRINTNUM "interrupts after the transmit: ", r12d
        PRINTNUM "InterruptStatus in the handler: ", r13d
        PRINTNUM "interrupts after the receive: ", r14d
        PRINTNUM "InterruptStatus after the acks: ", ebx
        PRINTNUM "spurious: ", [abs irq_spurious]
        PRINTNUM "received bytes: ", [abs RXQ + US_RING + 4]
        mov rsi, RXBUF
        mov ecx, [abs RXQ + US_RING + 4]
        call tx_send
        PRINTNUM "interrupts in all: ", [abs irq_count]
        POWEROFF
