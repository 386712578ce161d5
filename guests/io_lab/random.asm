; title: chains of random shapes on a transmitq of random size, different on every grading run
; title-zh: 随机形状的链，发送队列大小随机，每次评分都不同
; points: 3
; random: yes
; hint: Everything here changes from run to run: the queue's size (QueueNum), how many descriptors each chain has, their order in the table and their lengths. Follow next while NEXT is set, take ring positions modulo QueueNum, and print every buffer's bytes in chain order.
; hint-zh: 这里的一切每次运行都不同：队列大小（QueueNum）、每条链的描述符个数、它们在表中的顺序和长度。只要设置了 NEXT 就沿 next 走，环中位置对 QueueNum 取模，并按链的顺序打印每个缓冲区的字节。
;
; Assembled with -DSEED=n. nasm's preprocessor draws, with C's classic
; rand() LCG (two of them: shapes and characters): the transmitq's size (2, 4, 8 or 16), then 12 requests, each
; a chain of 1 .. min(size, 4) descriptors at indices s, s + step, ...
; (mod size, step odd: all distinct) holding 1 .. 6 drawn characters; the
; last request of each of 3 lines ends with a newline.
%include "virtio.inc"

%ifndef SEED
%define SEED 1
%endif

%define ALPHABET 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,;!?'
%strlen ALPHABET_LEN ALPHABET
%assign x (SEED * 7919 + 12345) & 0x7fffffff
%macro NEXT 0
  %assign x (x * 1103515245 + 12345) & 0x7fffffff
%endmacro
; A second generator for the characters, so that the shapes can be drawn
; again below (where the bytes are laid out) without the characters.
%assign y (SEED * 104729 + 54321) & 0x7fffffff
%macro NEXTY 0
  %assign y (y * 1103515245 + 12345) & 0x7fffffff
%endmacro

NEXT
%assign size 2 << ((x >> 16) & 3)
%assign maxlen size
%if maxlen > 4
  %assign maxlen 4
%endif

        call vio_probe
        call vio_features
        xor edi, edi
        mov esi, RX_NUM
        mov edx, RXQ
        call queue_setup
        mov esi, size
        mov edx, TXQ
        call tx_setup
        VWR STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK
        PRINTNUM "transmitq size: ", size

%assign piece 0
%assign req 0
%rep 12
  NEXT
  %assign len ((x >> 16) % maxlen) + 1
  NEXT
  %assign s (x >> 16) % size
  NEXT
  %assign step (((x >> 16) % size) | 1)
  %assign k 0
  %rep len
    %assign d (s + k * step) % size
    %assign dn (s + (k + 1) * step) % size
    %if k < len - 1
        SET_DESC TXQ, d, piece_ %+ piece, piece_len_ %+ piece, F_NEXT, dn
    %else
        SET_DESC TXQ, d, piece_ %+ piece, piece_len_ %+ piece, 0, 0
    %endif
    %assign piece piece + 1
    %assign k k + 1
  %endrep
        mov esi, s
        call tx_post
        VWR QUEUE_NOTIFY, 1
        call tx_wait
  %assign req req + 1
%endrep
        POWEROFF

; The pieces' bytes: the shapes drawn again (x restarts), the characters from y.
%assign x (SEED * 7919 + 12345) & 0x7fffffff
NEXT
%assign piece 0
%assign req 0
%rep 12
  NEXT
  %assign len ((x >> 16) % maxlen) + 1
  NEXT
  NEXT
  %assign k 0
  %rep len
piece_ %+ piece:
    NEXTY
    %assign chars ((y >> 16) % 6) + 1
    %rep chars
      NEXTY
      %substr ch ALPHABET ((y >> 16) % ALPHABET_LEN) + 1
        db ch
    %endrep
    %if k == len - 1 && (req % 4) == 3
        db 10
    %endif
piece_len_ %+ piece equ $ - piece_ %+ piece
    %assign piece piece + 1
    %assign k k + 1
  %endrep
  %assign req req + 1
%endrep
