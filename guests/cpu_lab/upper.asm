; title: all-uppercase text comes out in lower case
; points: 2
; hint: Every letter the guest sends must reach stdout converted by tolower(); A and Z included.
; expect-exit: success
; expect-stdout: "the quick brown fox jumps over the lazy dog\nzebra, jackdaw, quartz, vexing.\nKVM_EXIT_HLT\n"
;
; Only capital letters (with both ends of the range, A and Z), so a
; handler that prints bytes unchanged, or with toupper(), fails.
bits 16
org 0x1000

        mov si, text
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

text:   db "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG", 10
        db "ZEBRA, JACKDAW, QUARTZ, VEXING.", 10, 0
