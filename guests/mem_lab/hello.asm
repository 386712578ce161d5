; title: Hello from long mode (the built-in guest)
; title-zh: 来自长模式的问候（内置客户机）
; points: 3
; hint: Nothing prints until the vCPU is in long mode (page tables, special registers) and the console's DATA register prints what the guest writes to it, one byte per KVM_EXIT_MMIO.
; hint-zh: vCPU 进入长模式（页表、特殊寄存器）并且控制台的 DATA 寄存器把客户机写入的内容打印出来（每次 KVM_EXIT_MMIO 一个字节）之前，什么都不会打印。
; expect-exit: success
; expect-stdout: "Hello from long mode!\ndirty pages: 0\nKVM_EXIT_HLT\n"
;
; The same bytes as the VMM's built-in guest (sample-qemu.c, hello_guest; a
; test compares them), so it does not include console.inc. 64-bit code at
; 0x10000: one 1-byte write to the console's DATA register (guest-physical
; 0x10000000, no memory behind it: one KVM_EXIT_MMIO) per character, then
; hlt. It writes no RAM: 0 dirty pages.
bits 64
org 0x10000

        lea rsi, [rel msg]
.next:  lodsb                           ; al = [rsi], rsi += 1
        test al, al
        jz .done
        mov [abs 0x10000000], al        ; the console's DATA register
        jmp .next
.done:  hlt

msg:    db "Hello from long mode!", 10, 0
