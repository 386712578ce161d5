; title: chained descriptors: one request in several buffers, in any descriptor order
; title-zh: 链式描述符：一个请求分成多个缓冲区，描述符顺序任意
; points: 3
; hint: A request is a chain: follow `next` while VIRTQ_DESC_F_NEXT is set, in the order of the links, not of the indices. A chain may use every descriptor of the queue. The used element's id is the chain's head, its len the bytes the device wrote (0 on the transmitq).
; hint-zh: 一个请求是一条描述符链：只要设置了 VIRTQ_DESC_F_NEXT 就沿 `next` 走下去，按链接顺序而非下标顺序。一条链可以用满队列的所有描述符。used 元素的 id 是链头，len 是设备写入的字节数（发送队列上为 0）。
; expect-exit: success
; expect-stdout: "A chain of three:\nChained descriptors work!\n1234567\nused id: 5\nused len: 0\n"
;
; Two requests on the transmitq: a chain of three descriptors linked
; 5 -> 2 -> 7, and a chain of all eight descriptors (the queue's size).
%include "virtio.inc"

        call vio_init
        PRINT intro
        SET_DESC TXQ, 5, part1, 8, F_NEXT, 2
        SET_DESC TXQ, 2, part2, 12, F_NEXT, 7
        SET_DESC TXQ, 7, part3, 6, 0, 0
        mov esi, 5
        call tx_post
        VWR QUEUE_NOTIFY, 1
        call tx_wait
        mov eax, [abs tx_avail]
        dec eax
        and eax, TX_NUM - 1
        mov ebx, [TXQ + US_RING + rax * 8]        ; id
        mov r12d, [TXQ + US_RING + rax * 8 + 4]   ; len
        ; all eight: 0 -> 1 -> ... -> 7
%assign i 0
%rep 8
%if i < 7
        SET_DESC TXQ, i, digits + i, 1, F_NEXT, i + 1
%else
        SET_DESC TXQ, i, digits + i, 1, 0, 0
%endif
%assign i i + 1
%endrep
        xor esi, esi
        call tx_post
        VWR QUEUE_NOTIFY, 1
        call tx_wait
        PRINTNUM "used id: ", ebx
        PRINTNUM "used len: ", r12d
        POWEROFF

intro:  db "A chain of three:", 10, 0
part1:  db "Chained "
part2:  db "descriptors "
part3:  db "work!", 10
digits: db "1234567", 10
