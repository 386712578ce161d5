; title: a write to STATUS is an error
; title-zh: 写 STATUS 是错误
; points: 1
; visibility: hidden
; hint: STATUS and ID are read-only: a write to them is a guest error.
; hint-on: exit
; hint-zh: STATUS 和 ID 是只读的：写它们是客户机错误。
; expect-exit: error
; expect-stdout: "a 4-byte write to STATUS...\n"
;
; A 4-byte write to STATUS, the right size for the register but the wrong
; direction.
%include "console.inc"

        PRINT before
        mov dword [abs STATUS], 1       ; len 4, is_write 1
        PRINT after
        hlt

before: db "a 4-byte write to STATUS...", 10, 0
after:  db "...and still running after it", 10, 0
