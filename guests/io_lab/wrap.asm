; title: ring indices wrap: a transmitq of 4 entries goes round three times
; title-zh: 环索引回绕：4 项的发送队列绕三圈
; points: 3
; hint: avail->idx and used->idx count requests forever (16-bit, wrapping at 65536); the position in a ring is the index modulo the queue's size, the size the driver wrote to QueueNum (here 4), not QueueNumMax.
; hint-zh: avail->idx 和 used->idx 一直累加请求数（16 位，到 65536 回绕）；在环中的位置是下标对队列大小取模，这个大小是驱动写入 QueueNum 的值（这里是 4），不是 QueueNumMax。
; expect-exit: success
; expect-stdout: "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nused idx: 12\n...\nused ids: 1032\n"
;
; The driver chooses a transmitq of 4 entries, smaller than the device's
; maximum, and prints 6 lines (12 requests) and the used idx: the ring
; positions go round more than three times.
%include "virtio.inc"

        call vio_probe
        call vio_features
        xor edi, edi
        mov esi, RX_NUM
        mov edx, RXQ
        call queue_setup
        mov esi, 4
        mov edx, TXQ
        call tx_setup
        VWR STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK
        mov ebx, 1
.line:  PRINTS "line "
        mov edi, ebx
        call print_dec
        inc ebx
        cmp ebx, 6
        jbe .line
        movzx eax, word [abs TXQ + US_IDX]
        PRINTNUM "used idx: ", eax
        ; four more requests, on descriptors 3, 2, 1, 0 (at ring positions
        ; 2, 3, 0, 1: used idx is 14), made available at once (as many as
        ; the queue holds) with one notify; then the used ring's 4 ids
        SET_DESC TXQ, 3, dot, 1, 0, 0
        SET_DESC TXQ, 2, dot, 1, 0, 0
        SET_DESC TXQ, 1, dot, 1, 0, 0
        SET_DESC TXQ, 0, nl, 1, 0, 0
        mov eax, [abs tx_avail]         ; all four at once: the queue full
%assign d 3
%rep 4
        mov ecx, eax
        and ecx, 3
        mov word [TXQ + AV_RING + rcx * 2], d
        inc eax
%assign d d - 1
%endrep
        mov [abs tx_avail], eax
        mov [abs TXQ + AV_IDX], ax
        VWR QUEUE_NOTIFY, 1
        call tx_wait
        xor ebx, ebx
.id:    mov eax, [TXQ + US_RING + rbx * 8]
        add al, '0'
        mov [idbuf + 10 + rbx], al
        inc ebx
        cmp ebx, 4
        jb .id
        mov rsi, idbuf
        mov ecx, 15
        call tx_send
        POWEROFF

dot:    db "."
nl:     db 10
idbuf:  db "used ids: ????", 10
