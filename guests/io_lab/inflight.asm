; title: several requests in flight: five chains made available at once, one notify
; title-zh: 多个请求同时在途：一次提供五条链，只通知一次
; points: 3
; hint: One notify may announce many chains: serve every entry from your last position up to the avail idx you read, in ring order (the heads need not be in descriptor order), and read avail->idx again each time you are notified.
; hint-zh: 一次通知可能宣告多条链：从上次的位置一直处理到读到的 avail idx，按环中的顺序（链头不必按描述符顺序），并且每次收到通知都要重新读 avail->idx。
; expect-exit: success
; expect-stdout: "five at once:\nfour\none\nfive\ntwo\nthree\nused ids: 30412\nthree more:\neight\nseven\nsix\n"
;
; The guest fills five descriptors, puts their heads in the avail ring in
; the order 3, 0, 4, 1, 2, publishes them with one write of avail->idx and
; notifies once; then the same with three more.
%include "virtio.inc"

        call vio_init
        PRINTS "five at once:", 10
        mov eax, [abs tx_avail]         ; the ring position of the first
        and eax, TX_NUM - 1
        mov r12d, eax
        SET_DESC TXQ, 0, w0, 4, 0, 0
        SET_DESC TXQ, 1, w1, 4, 0, 0
        SET_DESC TXQ, 2, w2, 6, 0, 0
        SET_DESC TXQ, 3, w3, 5, 0, 0
        SET_DESC TXQ, 4, w4, 5, 0, 0
        mov ecx, r12d
%macro HEAD 1
        mov word [TXQ + AV_RING + rcx * 2], %1
        inc ecx
        and ecx, TX_NUM - 1
%endmacro
        HEAD 3
        HEAD 0
        HEAD 4
        HEAD 1
        HEAD 2
        add dword [abs tx_avail], 5
        mov eax, [abs tx_avail]
        mov [abs TXQ + AV_IDX], ax
        VWR QUEUE_NOTIFY, 1
        call tx_wait
        ; the ids in the used ring, in ring order, as one line
        mov ebx, r12d
        xor ecx, ecx
.ids:   mov eax, [TXQ + US_RING + rbx * 8]
        add al, '0'
        mov [idbuf + rcx], al
        inc ebx
        and ebx, TX_NUM - 1
        inc ecx
        cmp ecx, 5
        jb .ids
        PRINTS "used ids: "
        mov rsi, idbuf
        mov ecx, 6
        call tx_send
        PRINTS "three more:", 10
        mov eax, [abs tx_avail]
        and eax, TX_NUM - 1
        mov ecx, eax
        SET_DESC TXQ, 5, w5, 6, 0, 0
        SET_DESC TXQ, 6, w6, 4, 0, 0
        SET_DESC TXQ, 7, w7, 6, 0, 0
        HEAD 7
        HEAD 5
        HEAD 6
        add dword [abs tx_avail], 3
        mov eax, [abs tx_avail]
        mov [abs TXQ + AV_IDX], ax
        VWR QUEUE_NOTIFY, 1
        call tx_wait
        POWEROFF

w0:     db "one", 10
w1:     db "two", 10
w2:     db "three", 10
w3:     db "four", 10
w4:     db "five", 10
w5:     db "seven", 10
w6:     db "six", 10
w7:     db "eight", 10
idbuf:  db "?????", 10
