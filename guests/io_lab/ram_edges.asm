; title: buffers at the edges of RAM: the last 8 bytes, and all 4 MiB at once
; title-zh: RAM 边缘的缓冲区：最后 8 个字节，以及一次覆盖全部 4 MiB
; points: 1
; visibility: hidden
; hint: A buffer may end exactly at the end of RAM, and one buffer may be the whole of RAM: the check is gpa + len <= RAM_SIZE, computed without overflow.
; hint-zh: 缓冲区可以恰好结束于 RAM 的末尾，一个缓冲区也可以是整个 RAM：检查条件是 gpa + len <= RAM_SIZE，计算时不能溢出。
; expect-exit: success
; expect-stdout: "at end!\nreceived: 19\nping from the host\n"
;
; A transmitq buffer of the last 8 bytes of RAM; then the receiveq's rings
; moved to the end of RAM (its available ring ends exactly at 4 MiB) and a
; receive buffer of the whole RAM (the device writes the input at
; guest-physical 0, which the guest doesn't use).
%include "virtio.inc"

        call vio_init
        mov rax, "at end!" | (10 << 56)
        mov [abs RAM_END - 8], rax
        SET_DESC TXQ, 0, RAM_END - 8, 8, 0, 0
        xor esi, esi
        call tx_post
        VWR QUEUE_NOTIFY, 1
        call tx_wait
        ; the receiveq's rings moved to the end of RAM: the available ring
        ; (4 + 2 * 8 bytes) ends exactly there
        RDESC   equ RAM_END - 0x200
        RUSED   equ RAM_END - 0x100
        RAVAIL  equ RAM_END - 20
        mov rdi, RAM_END - 0x200
        mov ecx, 0x200 / 8
        xor eax, eax
        rep stosq
        VWR QUEUE_SEL, 0
        VWR QUEUE_READY, 0
        VWR Q_DESC_LO, RDESC
        VWR Q_DRIVER_LO, RAVAIL
        VWR Q_DEVICE_LO, RUSED
        VWR QUEUE_READY, 1
        mov word [abs RAVAIL], NO_INTERRUPT
        SET_DESC RDESC - 0, 0, 0, RAM_END, F_WRITE, 0
        mov word [abs RAVAIL + 4], 0
        mov word [abs RAVAIL + 2], 1
        VWR QUEUE_NOTIFY, 0
        PRINTNUM "received: ", [abs RUSED + 8]
        mov rsi, 0
        mov ecx, [abs RUSED + 8]
        call tx_send
        POWEROFF
