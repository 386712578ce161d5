; title: Hello, toy! on COM2
; points: 2
; hint: Print each byte the guest writes to port 0x2f8, converted with toupper().
; expect-exit: success
; expect-stdout: "HELLO, TOY!\nKVM_EXIT_HLT\n"
;
; Writes "Hello, toy!\n" to port 0x2f8 one byte at a time, then halts.
bits 16
org 0x1000

        mov dx, 0x2f8           ; COM2 data register
        mov si, msg
.next:  lodsb
        test al, al
        jz .done
        out dx, al              ; one KVM_EXIT_IO per byte
        jmp .next
.done:  hlt

msg:    db "Hello, toy!", 10, 0
