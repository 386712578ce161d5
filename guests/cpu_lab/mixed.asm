; title: every letter, digit and punctuation mark, tab and newline
; title-zh: 所有字母、数字、标点符号、制表符和换行
; points: 3
; hint: tolower() changes A-Z and nothing else: the bytes next to the letters ('@', '[', '`', '{') and control characters pass unchanged.
; hint-zh: tolower() 只改变 A-Z：字母旁边的字节（'@'、'['、'`'、'{'）和控制字符要原样输出。
; expect-exit: success
; expect-stdout: "abcdefghijklmnopqrstuvwxyz\nabcdefghijklmnopqrstuvwxyz\n0123456789\t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\n@[`{ \t end\nKVM_EXIT_HLT\n"
;
; Catches conversions that are almost tolower(): a partial range
; ('A'..'M'), "| 0x20" on every byte ('@' would become '`', '[' '{',
; a newline '*'), or "- 'A' + 'a'" without a range check.
%include "serial.inc"           ; bits 16, org 0x1000, PRINT label (see serial.inc)

        PRINT text
        hlt

text:   db "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 10
        db "abcdefghijklmnopqrstuvwxyz", 10
        db "0123456789", 9                       ; 9 = tab
        db '!"#$%&', 39, "()*+,-./:;<=>?@[\]^_", 96, "{|}~", 10   ; 39 = ', 96 = `
        ; the neighbours of the letters: '@' = 'A' - 1, '[' = 'Z' + 1,
        ; '`' = 'a' - 1, '{' = 'z' + 1
        db "@[", 96, "{ ", 9, " end", 10, 0
