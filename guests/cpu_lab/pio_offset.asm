; title: emulated: the I/O data at another offset (data_offset = 8192)
; title-zh: 模拟：I/O 数据在另一个偏移处（data_offset = 8192）
; points: 2
; visibility: hidden
; backend: emu
; emu-env: KVMEMU_PIO_OFFSET=8192
; hint: Find the byte through run->io.data_offset every time: the API does not promise where in the mapping it is.
; hint-zh: 每次都通过 run->io.data_offset 找到那个字节：API 并不保证它在映射中的位置。
; expect-exit: success
; expect-stdout: "kvm decides where the data goes: ask run->io.data_offset.\nKVM_EXIT_HLT\n"
;
; Emulated only: Linux always puts port I/O data 4096 bytes into the
; kvm_run mapping, but that is not part of the API; with
; KVMEMU_PIO_OFFSET=8192 kvmemu puts it at 8192 instead, so a handler
; that hard-codes 4096 reads the wrong place.
%include "serial.inc"           ; bits 16, org 0x1000, PRINT label (see serial.inc)

        PRINT text
        hlt

text:   db "KVM decides where the data goes: ask run->io.data_offset.", 10, 0
