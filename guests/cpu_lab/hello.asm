; title: Hello, world! (the classic guest)
; title-zh: Hello, world!（经典客户机）
; points: 3
; hint: Print each byte the guest writes to port 0x3f8, converted with tolower(), and let the loop enter the guest again.
; hint-zh: 把客户机写到端口 0x3f8 的每个字节用 tolower() 转换后打印出来，然后让循环再次进入客户机。
; expect-exit: success
; expect-stdout: "hello, world!\nKVM_EXIT_HLT\n"
;
; The guest built into sample-qemu.c, as a scenario: writes
; "Hello, world!\n" to the serial port one byte at a time, then halts.
bits 16
org 0x1000

        mov dx, 0x3f8           ; COM1 data register
        mov si, msg
.next:  lodsb                   ; al = [ds:si++]
        test al, al
        jz .done
        out dx, al              ; one KVM_EXIT_IO per byte
        jmp .next
.done:  hlt                     ; KVM_EXIT_HLT

msg:    db "Hello, world!", 10, 0
