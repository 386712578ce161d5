; title: "rep outsb": the byte comes from memory, not from AL
; title-zh: “rep outsb”：字节来自内存，而不是 AL
; points: 2
; hint: The byte to print is in the kvm_run mapping at data_offset, whatever instruction wrote it; registers (AL/RAX) may hold anything else.
; hint-zh: 要打印的字节在 kvm_run 映射中 data_offset 处，不管是哪条指令写的；寄存器（AL/RAX）里可能是别的值。
; expect-exit: success
; expect-stdout: "string i/o: rep outsb sends bytes straight from memory.\nKVM_EXIT_HLT\n"
;
; One "rep outsb" writes the whole text. KVM exits once per byte (count 1)
; with the byte at ds:si in the data area; AL holds 'Z' throughout, so a
; handler that reads RAX (KVM_GET_REGS) prints "zzz...".
%include "serial.inc"           ; bits 16, org 0x1000 (the bytes go out by rep outsb, not print)

        mov si, text
        mov cx, text_len
        mov dx, 0x3f8
        mov al, 'Z'             ; a decoy: not the byte being written
        cld                     ; si counts up
        rep outsb               ; one KVM_EXIT_IO per byte
        hlt

text:   db "String I/O: REP OUTSB sends bytes straight from memory.", 10
text_len equ $ - text
