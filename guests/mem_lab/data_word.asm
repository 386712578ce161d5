; title: a 2-byte write to the console's DATA register is an error
; title-zh: 向控制台的 DATA 寄存器写 2 字节是错误
; points: 2
; hint: DATA takes 1-byte writes only: check run->mmio.len.
; hint-on: exit
; hint-zh: DATA 只接受 1 字节的写：检查 run->mmio.len。
; expect-exit: error
; expect-stdout: "a 2-byte write to DATA...\n"
;
; Good output, then `mov [DATA], ax`: one KVM_EXIT_MMIO with len 2.
%include "console.inc"

        PRINT before
        mov ax, 'XY'
        mov [abs DATA], ax              ; len 2
        PRINT after
        hlt

before: db "a 2-byte write to DATA...", 10, 0
after:  db "...and still running after it", 10, 0
