; title: the ROM: its text and its table, read by the guest
; title-zh: ROM：客户机读出它的文本和表
; points: 2
; hint: The ROM is a second memory slot at guest-physical 0x20000000, filled by fill_rom(): reads are served from it with no exit.
; hint-zh: ROM 是位于客户机物理地址 0x20000000 的第二个内存槽，由 fill_rom() 填充：读它直接由内存提供，不产生退出。
; expect-exit: success
; expect-stdout: "ROM: mem_lab firmware, version 1\ntable[3..0] = 18110a03\ntable: all 256 entries as expected\ndirty pages: 0\nKVM_EXIT_HLT\n"
;
; The guest prints the ROM's line of text (from 0x20000000) and checks the
; 256-byte table at 0x20000100 (entry i = 7 i + 3 mod 256), printing the
; first four entries in hex and whether all 256 match. Reads only: 0 dirty
; pages.
%include "console.inc"

        mov rsi, ROM
        PRINTZ
        PRINT s_first
        mov eax, [abs ROM_TABLE]        ; entries 0..3, little-endian
        PRINTHEX32
        PUTC 10
        xor ecx, ecx                    ; i
        mov dl, 3                       ; 7 i + 3
.check: cmp [abs ROM_TABLE + rcx], dl
        jne .bad
        add dl, 7
        inc ecx
        cmp ecx, 256
        jne .check
        PRINT s_ok
        hlt
.bad:   PRINT s_bad
        hlt

s_first: db "table[3..0] = ", 0
s_ok:    db "table: all 256 entries as expected", 10, 0
s_bad:   db "table: WRONG", 10, 0
