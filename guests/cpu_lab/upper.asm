; title: all-uppercase text comes out in lower case
; title-zh: 全大写的文本以小写输出
; points: 2
; hint: Every letter the guest sends must reach stdout converted by tolower(); A and Z included.
; hint-zh: 客户机发来的每个字母都要经 tolower() 转换后输出到 stdout，A 和 Z 也不例外。
; expect-exit: success
; expect-stdout: "the quick brown fox jumps over the lazy dog\nzebra, jackdaw, quartz, vexing.\nKVM_EXIT_HLT\n"
;
; Only capital letters (with both ends of the range, A and Z), so a
; handler that prints bytes unchanged, or with toupper(), fails.
%include "serial.inc"           ; bits 16, org 0x1000, PRINT label (see serial.inc)

        PRINT text
        hlt

text:   db "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG", 10
        db "ZEBRA, JACKDAW, QUARTZ, VEXING.", 10, 0
