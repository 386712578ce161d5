; title: a write to the console at an offset with no register is an error
; title-zh: 向控制台中没有寄存器的偏移写入是错误
; points: 2
; hint: The console has three registers (offsets 0, 4, 8) in its page at 0x10000000; an access at any other offset is an error. Check the offset, not only the page.
; hint-on: exit
; hint-zh: 控制台在 0x10000000 处的页中有三个寄存器（偏移 0、4、8）；访问其他任何偏移都是错误。要检查偏移，而不只是页。
; expect-exit: error
; expect-stdout: "a write to offset 0x10 of the console...\n"
;
; A 1-byte write at offset 0x10 of the console's page: inside the device,
; but no register there.
%include "console.inc"

        PRINT before
        mov byte [abs CONSOLE + 0x10], 'X'
        PRINT after
        hlt

before: db "a write to offset 0x10 of the console...", 10, 0
after:  db "...and still running after it", 10, 0
