; title: a read from a hole in the map is an error
; title-zh: 从地址图的空洞中读是错误
; points: 1
; visibility: hidden
; hint: A read from an address with no RAM and no device is a guest error too, not a read of zeros.
; hint-on: exit
; hint-zh: 从既没有 RAM 也没有设备的地址读，同样是客户机错误，而不是读到 0。
; expect-exit: error
; expect-stdout: "reading from a hole...\n"
;
; A 4-byte read at guest-physical 0x30000000 (no slot, no device). A VMM
; that answers reads of holes with zeros lets the guest go on.
%include "console.inc"

        PRINT before
        mov eax, [abs 0x30000000]
        PRINT after
        PRINTHEX32
        PUTC 10
        hlt

before: db "reading from a hole...", 10, 0
after:  db "...and still running; the hole read ", 0
