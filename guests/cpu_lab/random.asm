; title: a text that is different on every grading run
; title-zh: 每次评分都不同的文本
; points: 2
; random: yes
; hint: The text changes from run to run: print what the guest sends, as it sends it, rather than anything known in advance.
; hint-zh: 文本每次运行都不同：客户机发什么就按顺序打印什么，不要打印任何事先知道的内容。
;
; Assembled with -DSEED=n. nasm's preprocessor runs a linear congruential
; generator seeded with SEED and emits 4 lines of 48 characters drawn
; from letters of both cases, digits and punctuation.
%include "serial.inc"           ; bits 16, org 0x1000, PRINT label (see serial.inc)

%ifndef SEED
%define SEED 1
%endif

        PRINT text
        hlt

%define ALPHABET 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,;!?@[`{-'
%strlen ALPHABET_LEN ALPHABET

; The LCG of C's classic rand() example: x = x * 1103515245 + 12345 mod 2^31.
%assign x (SEED * 7919 + 12345) & 0x7fffffff
text:
%rep 4
  %rep 48
    %assign x (x * 1103515245 + 12345) & 0x7fffffff
    %substr ch ALPHABET ((x >> 16) % ALPHABET_LEN) + 1
        db ch
  %endrep
        db 10
%endrep
        db 0
