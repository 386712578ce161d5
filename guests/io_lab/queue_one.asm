; title: the smallest and the largest queues: a transmitq of 1 entry, a receiveq of 16
; title-zh: 最小与最大的队列：1 项的发送队列、16 项的接收队列
; points: 1
; visibility: hidden
; hint: QueueNum may be any power of 2 from 1 to QueueNumMax, both included; writing QueueNum doesn't make a queue ready.
; hint-zh: QueueNum 可以是 1 到 QueueNumMax 之间（含两端）的任何 2 的幂；写 QueueNum 并不会让队列就绪。
; expect-exit: success
; expect-stdout: "one entry\nis enough\nQueueReady after QueueNum: 0\n"
;
; The driver sets up a receiveq of 16 entries and a transmitq of 1 (every
; request at ring position 0), reads QueueReady between QueueNum and
; QueueReady, and prints three lines.
%include "virtio.inc"

        call vio_probe
        call vio_features
        xor edi, edi
        mov esi, 16
        mov edx, RXQ
        call queue_setup
        mov edi, 1
        mov esi, 1
        mov edx, TXQ
        mov [abs tx_num], esi
        call queue_config
        VRD QUEUE_READY
        mov ebx, eax
        VWR QUEUE_READY, 1
        mov word [abs TXQ + AV_FLAGS], NO_INTERRUPT
        VWR STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK
        PRINTS "one entry", 10
        PRINTS "is enough", 10
        PRINTNUM "QueueReady after QueueNum: ", ebx
        POWEROFF
