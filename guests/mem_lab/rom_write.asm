; title: a write to the ROM is an error
; title-zh: 写 ROM 是错误
; points: 2
; hint: The ROM's slot is read-only (KVM_MEM_READONLY): the guest's write comes back as a KVM_EXIT_MMIO write at the ROM's address, and the VMM must stop with an error naming it.
; hint-on: exit
; hint-zh: ROM 的槽是只读的（KVM_MEM_READONLY）：客户机的写会以 ROM 地址上的 KVM_EXIT_MMIO 写操作返回，VMM 必须以一条指明该地址的错误停下。
; expect-exit: error
; expect-stdout: "ROM: mem_lab firmware, version 1\nwriting to the ROM...\n"
;
; Good output, then one byte written to the ROM. With a read-only slot the
; write exits to the VMM, which must stop. If it goes on (the slot is
; writable, or the VMM ignores the write), the guest says so.
%include "console.inc"

        mov rsi, ROM
        PRINTZ
        PRINT before
        mov byte [abs ROM], 'X'         ; KVM_EXIT_MMIO, is_write 1, at 0x20000000
        PRINT after
        mov rsi, ROM
        PRINTZ
        hlt

before: db "writing to the ROM...", 10, 0
after:  db "...and still running after writing the ROM, which now reads:", 10, 0
