; title: a 2-byte write is an error
; points: 1
; visibility: hidden
;
; Text on COM2, then `out dx, ax` (size 2): not a one-byte write. No pins:
; the expectation is the reference's own run.
bits 16
org 0x1000

        mov dx, 0x2f8
        mov si, msg
.next:  lodsb
        test al, al
        jz .word
        out dx, al
        jmp .next
.word:  mov ax, 0x4241
        out dx, ax
        hlt

msg:    db "word next", 10, 0
