; title: a byte for COM1 (0x3f8) is an error
; points: 1
; hint: Only port 0x2f8 exists: any other port ends the VMM with a message on stderr.
; expect-exit: error
; expect-stdout: "OK\n"
;
; "ok" on COM2, then one byte to COM1, which this machine does not have.
bits 16
org 0x1000

        mov dx, 0x2f8
        mov si, msg
.next:  lodsb
        test al, al
        jz .bad
        out dx, al
        jmp .next
.bad:   mov dx, 0x3f8
        out dx, al
        mov dx, 0x2f8
        mov al, '!'
        out dx, al              ; a VMM that goes on prints this
        hlt

msg:    db "ok", 10, 0
