; title: a text, a set of pages and ROM entries that change on every grading run
; title-zh: 每次评分都会变的文本、页集合和 ROM 表项
; points: 2
; random: yes
; hint: Everything changes from run to run: print what the guest writes, read the ROM the guest reads, count the pages the log says.
; hint-zh: 每次运行都会变：客户机写什么就打印什么，客户机读 ROM 就从 ROM 读，日志说几页就数几页。
;
; Assembled with -DSEED=n. nasm's preprocessor runs a linear congruential
; generator seeded with SEED: a line of 40 characters, then 12 writes to
; pages drawn from the 768 pages of free RAM (repeats possible: the count
; is the number of distinct pages), then 6 ROM table entries at drawn
; indices, printed in hex.
%include "console.inc"

%ifndef SEED
%define SEED 1
%endif

%define ALPHABET 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,;!?'
%strlen ALPHABET_LEN ALPHABET
; The LCG of C's classic rand() example: x = x * 1103515245 + 12345 mod 2^31.
%assign x (SEED * 7919 + 12345) & 0x7fffffff
%macro NEXT 0
  %assign x (x * 1103515245 + 12345) & 0x7fffffff
%endmacro

        PRINT text
%rep 12
  NEXT
        mov byte [abs FREE_RAM + ((x >> 8) % 768) * 4096 + (x & 0xfff)], 0x77
%endrep
        PRINT s_rom
%rep 6
  NEXT
        movzx eax, byte [abs ROM_TABLE + ((x >> 16) & 0xff)]
        PRINTHEX 2
        PUTC ' '
%endrep
        PUTC 10
        hlt

s_rom:  db "ROM entries: ", 0
text:
%rep 40
  NEXT
  %substr ch ALPHABET ((x >> 16) % ALPHABET_LEN) + 1
        db ch
%endrep
        db 10, 0
