; title: a long text (5.6 KiB) printed by a loop with subroutines
; title-zh: 用带子程序的循环打印的长文本（5.6 KiB）
; points: 2
; visibility: hidden
; hint: The handler must keep working for thousands of exits in a row: nothing may depend on how many bytes came before.
; hint-zh: 处理函数要能连续处理几千次退出：任何逻辑都不能依赖之前已经来过多少字节。
; expect-exit: success
; expect-stdout: "00: the quick brown fox jumps over the lazy dog. (5 kib)\n01: the quick brown fox jumps over the lazy dog. (5 kib)\n02: the quick brown fox jumps over the lazy dog. (5 kib)\n03: the quick brown fox jumps over the lazy dog. (5 kib)\n04: the quick brown fox jumps over the lazy dog. (5 kib)\n05: the quick brown fox jumps over the lazy dog. (5 kib)\n06: the quick brown fox jumps over the lazy dog. (5 kib)\n07: the quick brown fox jumps over the lazy dog. (5 kib)\n08: the quick brown fox jumps over the lazy dog. (5 kib)\n09: the quick brown fox jumps over the lazy dog. (5 kib)\n10: the quick brown fox jumps over the lazy dog. (5 kib)\n11: the quick brown fox jumps over the lazy dog. (5 kib)\n12: the quick brown fox jumps over the lazy dog. (5 kib)\n13: the quick brown fox jumps over the lazy dog. (5 kib)\n14: the quick brown fox jumps over the lazy dog. (5 kib)\n15: the quick brown fox jumps over the lazy dog. (5 kib)\n16: the quick brown fox jumps over the lazy dog. (5 kib)\n17: the quick brown fox jumps over the lazy dog. (5 kib)\n18: the quick brown fox jumps over the lazy dog. (5 kib)\n19: the quick brown fox jumps over the lazy dog. (5 kib)\n20: the quick brown fox jumps over the lazy dog. (5 kib)\n21: the quick brown fox jumps over the lazy dog. (5 kib)\n22: the quick brown fox jumps over the lazy dog. (5 kib)\n23: the quick brown fox jumps over the lazy dog. (5 kib)\n24: the quick brown fox jumps over the lazy dog. (5 kib)\n25: the quick brown fox jumps over the lazy dog. (5 kib)\n26: the quick brown fox jumps over the lazy dog. (5 kib)\n27: the quick brown fox jumps over the lazy dog. (5 kib)\n28: the quick brown fox jumps over the lazy dog. (5 kib)\n29: the quick brown fox jumps over the lazy dog. (5 kib)\n30: the quick brown fox jumps over the lazy dog. (5 kib)\n31: the quick brown fox jumps over the lazy dog. (5 kib)\n32: the quick brown fox jumps over the lazy dog. (5 kib)\n33: the quick brown fox jumps over the lazy dog. (5 kib)\n34: the quick brown fox jumps over the lazy dog. (5 kib)\n35: the quick brown fox jumps over the lazy dog. (5 kib)\n36: the quick brown fox jumps over the lazy dog. (5 kib)\n37: the quick brown fox jumps over the lazy dog. (5 kib)\n38: the quick brown fox jumps over the lazy dog. (5 kib)\n39: the quick brown fox jumps over the lazy dog. (5 kib)\n40: the quick brown fox jumps over the lazy dog. (5 kib)\n41: the quick brown fox jumps over the lazy dog. (5 kib)\n42: the quick brown fox jumps over the lazy dog. (5 kib)\n43: the quick brown fox jumps over the lazy dog. (5 kib)\n44: the quick brown fox jumps over the lazy dog. (5 kib)\n45: the quick brown fox jumps over the lazy dog. (5 kib)\n46: the quick brown fox jumps over the lazy dog. (5 kib)\n47: the quick brown fox jumps over the lazy dog. (5 kib)\n48: the quick brown fox jumps over the lazy dog. (5 kib)\n49: the quick brown fox jumps over the lazy dog. (5 kib)\n50: the quick brown fox jumps over the lazy dog. (5 kib)\n51: the quick brown fox jumps over the lazy dog. (5 kib)\n52: the quick brown fox jumps over the lazy dog. (5 kib)\n53: the quick brown fox jumps over the lazy dog. (5 kib)\n54: the quick brown fox jumps over the lazy dog. (5 kib)\n55: the quick brown fox jumps over the lazy dog. (5 kib)\n56: the quick brown fox jumps over the lazy dog. (5 kib)\n57: the quick brown fox jumps over the lazy dog. (5 kib)\n58: the quick brown fox jumps over the lazy dog. (5 kib)\n59: the quick brown fox jumps over the lazy dog. (5 kib)\n60: the quick brown fox jumps over the lazy dog. (5 kib)\n61: the quick brown fox jumps over the lazy dog. (5 kib)\n62: the quick brown fox jumps over the lazy dog. (5 kib)\n63: the quick brown fox jumps over the lazy dog. (5 kib)\n64: the quick brown fox jumps over the lazy dog. (5 kib)\n65: the quick brown fox jumps over the lazy dog. (5 kib)\n66: the quick brown fox jumps over the lazy dog. (5 kib)\n67: the quick brown fox jumps over the lazy dog. (5 kib)\n68: the quick brown fox jumps over the lazy dog. (5 kib)\n69: the quick brown fox jumps over the lazy dog. (5 kib)\n70: the quick brown fox jumps over the lazy dog. (5 kib)\n71: the quick brown fox jumps over the lazy dog. (5 kib)\n72: the quick brown fox jumps over the lazy dog. (5 kib)\n73: the quick brown fox jumps over the lazy dog. (5 kib)\n74: the quick brown fox jumps over the lazy dog. (5 kib)\n75: the quick brown fox jumps over the lazy dog. (5 kib)\n76: the quick brown fox jumps over the lazy dog. (5 kib)\n77: the quick brown fox jumps over the lazy dog. (5 kib)\n78: the quick brown fox jumps over the lazy dog. (5 kib)\n79: the quick brown fox jumps over the lazy dog. (5 kib)\n80: the quick brown fox jumps over the lazy dog. (5 kib)\n81: the quick brown fox jumps over the lazy dog. (5 kib)\n82: the quick brown fox jumps over the lazy dog. (5 kib)\n83: the quick brown fox jumps over the lazy dog. (5 kib)\n84: the quick brown fox jumps over the lazy dog. (5 kib)\n85: the quick brown fox jumps over the lazy dog. (5 kib)\n86: the quick brown fox jumps over the lazy dog. (5 kib)\n87: the quick brown fox jumps over the lazy dog. (5 kib)\n88: the quick brown fox jumps over the lazy dog. (5 kib)\n89: the quick brown fox jumps over the lazy dog. (5 kib)\n90: the quick brown fox jumps over the lazy dog. (5 kib)\n91: the quick brown fox jumps over the lazy dog. (5 kib)\n92: the quick brown fox jumps over the lazy dog. (5 kib)\n93: the quick brown fox jumps over the lazy dog. (5 kib)\n94: the quick brown fox jumps over the lazy dog. (5 kib)\n95: the quick brown fox jumps over the lazy dog. (5 kib)\n96: the quick brown fox jumps over the lazy dog. (5 kib)\n97: the quick brown fox jumps over the lazy dog. (5 kib)\n98: the quick brown fox jumps over the lazy dog. (5 kib)\n99: the quick brown fox jumps over the lazy dog. (5 kib)\nKVM_EXIT_HLT\n"
;
; 100 numbered lines, "NN: The Quick Brown Fox ...\n", 5700 bytes in all.
; The number is computed by the guest (div, push/pop, call/ret), so the
; guest uses its stack at SP = 0xfff0.
%include "serial.inc"           ; bits 16, org 0x1000, PRINT label (see serial.inc)

        xor bx, bx              ; bx = line number, 0..99
line:   mov ax, bx
        call print_2digits
        PRINT text
        inc bx
        cmp bx, 100
        jb line
        hlt

; print_2digits: print ax (0..99) as two decimal digits
print_2digits:
        push bx
        mov bl, 10
        div bl                  ; al = ax / 10, ah = ax % 10
        push ax
        add al, '0'
        call putc
        pop ax
        mov al, ah
        add al, '0'
        call putc
        pop bx
        ret

; putc: send al to port 0x3f8 (dx preserved)
putc:   push dx
        mov dx, 0x3f8
        out dx, al
        pop dx
        ret

text:   db ": The Quick Brown Fox Jumps Over The Lazy Dog. (5 KiB)", 10, 0
