; 200000 OUTs to port 0x80 from one site, then hlt (test_exits.c
; many_exits_one_site): the exits bench's own guest (make bench's exits/s).
%include "bench/kvmemu/exits.asm"
