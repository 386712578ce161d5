; title: emulated: a string OUT reported as one exit with count > 1
; title-zh: 模拟：一次退出报告 count > 1 的字符串 OUT
; points: 2
; backend: emu
; emu-env: KVMEMU_STRING_BATCH=1
; hint: The KVM API allows one KVM_EXIT_IO to carry several elements (run->io.count). This device takes one byte per exit; treat anything else as an error.
; hint-on: exit
; hint-zh: KVM API 允许一次 KVM_EXIT_IO 携带多个元素（run->io.count）。这个设备每次退出只接受一个字节，其他情况都按错误处理。
; expect-exit: error
; expect-stdout: "one byte at a time first,\n"
;
; Emulated only: real KVM exits once per byte of "rep outsb", but the API
; lets it batch them, and kvmemu does when KVMEMU_STRING_BATCH=1. Good
; output one byte per exit, then a "rep outsb" of 26 bytes that arrives
; as one exit with count 26.
%include "serial.inc"           ; bits 16, org 0x1000, PRINT label (see serial.inc)

        PRINT before
        mov si, batch
        mov cx, batch_len
        mov dx, 0x3f8
        mov al, 'Z'             ; a decoy: not the bytes being written
        cld
        rep outsb               ; one exit, count 26: the VMM must stop here
        PRINT after
        hlt

before: db "One byte at a time first,", 10, 0
batch:  db "then 26 bytes in one exit", 10
batch_len equ $ - batch
after:  db "...and still running after the batch", 10, 0
