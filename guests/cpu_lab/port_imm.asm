; title: a byte for port 0x80 (out imm8, al) is an error
; points: 1
; visibility: hidden
; hint: The port number can come from DX or from the instruction itself; either way it is in run->io.port, and only 0x3f8 is ours.
; expect-exit: error
; expect-stdout: "now a post code to port 0x80\n"
;
; Good output, then "out 0x80, al" (the port in the instruction, not in
; DX; 0x80 is the PC's POST-code port).
bits 16
org 0x1000

        mov si, before
        call print
        mov al, 'P'
        out 0x80, al            ; the VMM must stop here
        mov si, after
        call print
        hlt

; print: send the zero-terminated string at ds:si to port 0x3f8
print:  mov dx, 0x3f8
.next:  lodsb
        test al, al
        jz .done
        out dx, al
        jmp .next
.done:  ret

before: db "Now a POST code to port 0x80", 10, 0
after:  db "...and still running after port 0x80", 10, 0
