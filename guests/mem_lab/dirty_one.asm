; title: dirty logging: one byte written, one dirty page
; title-zh: 脏页日志：写一个字节，一个脏页
; points: 2
; hint: Switch on KVM_MEM_LOG_DIRTY_PAGES on the RAM slot before the guest runs, and at HLT count the bits KVM_GET_DIRTY_LOG sets: one per 4 KiB page written.
; hint-zh: 在客户机运行之前给 RAM 槽打开 KVM_MEM_LOG_DIRTY_PAGES，在 HLT 时数出 KVM_GET_DIRTY_LOG 置位的位：每写过一个 4 KiB 页就有一位。
; expect-exit: success
; expect-stdout: "one byte written at 0x100123\ndirty pages: 1\nKVM_EXIT_HLT\n"
;
; The guest writes one byte of free RAM, prints, halts: 1 page dirty (the
; printing writes no RAM: the console is MMIO, the PRINT loop uses no
; stack).
%include "console.inc"

        mov byte [abs FREE_RAM + 0x123], 1
        PRINT msg
        hlt

msg:    db "one byte written at 0x100123", 10, 0
