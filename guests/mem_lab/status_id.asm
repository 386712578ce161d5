; title: the console's STATUS and ID registers (4-byte MMIO reads)
; title-zh: 控制台的 STATUS 与 ID 寄存器（4 字节的 MMIO 读）
; points: 2
; hint: For an MMIO read, KVM_RUN delivers to the guest the bytes the VMM put in run->mmio.data (len of them, little-endian). STATUS reads 1, ID reads 0x4e4f4356.
; hint-zh: 对于 MMIO 读，KVM_RUN 把 VMM 放在 run->mmio.data 中的字节（共 len 个，小端序）交给客户机。STATUS 读出 1，ID 读出 0x4e4f4356。
; expect-exit: success
; expect-stdout: "console status: 00000001 (ready)\nconsole id: 4e4f4356 \"VCON\"\ndirty pages: 0\nKVM_EXIT_HLT\n"
;
; Two 4-byte reads: STATUS must be 1 (ready), ID 0x4e4f4356, the bytes
; "VCON" in memory order. The guest prints both values in hex and the ID's
; four bytes as characters, lowest address first: a VMM that fills
; run->mmio.data in the wrong byte order, or not at all, shows it.
%include "console.inc"

        PRINT s_status
        mov eax, [abs STATUS]           ; 4-byte read: KVM_EXIT_MMIO, is_write 0
        mov ebx, eax
        PRINTHEX32
        cmp ebx, 1
        jne .notready
        PRINT s_ready
        jmp .id
.notready:
        PRINT s_notready
.id:    PRINT s_id
        mov eax, [abs ID]
        mov ebx, eax
        PRINTHEX32
        PUTC ' '
        PUTC '"'
        mov ecx, 4                      ; the 4 bytes, lowest address first
.char:  mov [abs DATA], bl
        shr ebx, 8
        dec ecx
        jnz .char
        PUTC '"'
        PUTC 10
        hlt

s_status:   db "console status: ", 0
s_ready:    db " (ready)", 10, 0
s_notready: db " (NOT ready)", 10, 0
s_id:       db "console id: ", 0
