; title: the guest masks and unmasks: VIRTQ_AVAIL_F_NO_INTERRUPT, then the PIC's mask
; title-zh: 客户机屏蔽与解除屏蔽：先 VIRTQ_AVAIL_F_NO_INTERRUPT，再 PIC 的屏蔽位
; points: 3
; hint: VIRTQ_AVAIL_F_NO_INTERRUPT in the avail ring's flags means: don't interrupt, don't even set InterruptStatus. Read the flags each time you have used buffers: the driver changes them whenever it likes.
; hint-zh: avail 环 flags 中的 VIRTQ_AVAIL_F_NO_INTERRUPT 表示：不要发中断，连 InterruptStatus 也不要置位。每次用完缓冲区都要重新读 flags：驱动随时可能改变它。
; expect-exit: success
; expect-stdout: "one\ntwo\nthree\nfour, with the flag clear and the PIC masked\nfive\ninterrupts with the flag set: 0\nInterruptStatus with the flag set: 0\ninterrupts while masked: 0\nInterruptStatus while masked: 1\ninterrupts after unmasking: 1\nInterruptStatus seen by the handler: 1\ninterrupts in all: 1\n"
;
; Three requests with NO_INTERRUPT set (printing's default): no interrupt,
; InterruptStatus 0. Then the flag cleared but IRQ 5 masked at the PIC:
; the device interrupts, the PIC holds the edge; unmasked, it is
; delivered. Then the flag set again: no more interrupts.
%include "virtio.inc"

        call vio_init
        PRINTS "one", 10
        PRINTS "two", 10
        PRINTS "three", 10
        mov ebx, [abs irq_count]
        VRD INT_STATUS
        mov r12d, eax
        mov al, 0xff                    ; mask IRQ 5 at the PIC
        out 0x21, al
        mov word [abs TXQ + AV_FLAGS], 0
        PRINTS "four, with the flag clear and the PIC masked", 10
        mov word [abs TXQ + AV_FLAGS], NO_INTERRUPT
        mov r13d, [abs irq_count]
        VRD INT_STATUS
        mov r14d, eax
        mov al, 0xdf                    ; unmask: the held edge is delivered
        out 0x21, al
        nop
        mov r15d, [abs irq_count]
        PRINTS "five", 10
        PRINTNUM "interrupts with the flag set: ", ebx
        PRINTNUM "InterruptStatus with the flag set: ", r12d
        PRINTNUM "interrupts while masked: ", r13d
        PRINTNUM "InterruptStatus while masked: ", r14d
        PRINTNUM "interrupts after unmasking: ", r15d
        PRINTNUM "InterruptStatus seen by the handler: ", [abs irq_status]
        PRINTNUM "interrupts in all: ", [abs irq_count]
        POWEROFF
