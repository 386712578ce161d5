; title: polling with interrupts off: InterruptStatus read and acknowledged by the driver
; title-zh: 关中断轮询：驱动读取并确认 InterruptStatus
; points: 3
; hint: The device sets InterruptStatus and pulses its line whether or not the CPU takes interrupts now: the PIC keeps the edge until the guest enables interrupts. InterruptACK must clear exactly the bits written.
; hint-zh: 无论 CPU 此刻是否接受中断，设备都要设置 InterruptStatus 并给中断线一个脉冲：PIC 会记住这个边沿，直到客户机打开中断。InterruptACK 必须恰好清除写入的那些位。
; expect-exit: success
; expect-stdout: "a request, polled\nInterruptStatus: 1\nafter acknowledging bit 1: 1\nafter acknowledging bit 0: 0\ninterrupts taken with IF = 0: 0\ninterrupts taken after sti: 1\nspurious: 1\n"
;
; The guest runs with IF = 0 and asks for interrupts on the transmitq. It
; polls the used ring, reads InterruptStatus (1), acknowledges bit 1 (no
; such bit: nothing changes), then bit 0. When it enables interrupts, the
; PIC delivers the edge it kept: the handler finds InterruptStatus 0 (a
; spurious interrupt, already handled by polling).
%include "virtio.inc"

        call vio_init
        cli
        mov word [abs TXQ + AV_FLAGS], 0
        PRINTS "a request, polled", 10
        VRD INT_STATUS
        mov ebx, eax
        VWR STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK   ; unchanged
        VWR INT_ACK, 2
        VRD INT_STATUS
        mov r12d, eax
        VWR INT_ACK, 1
        VRD INT_STATUS
        mov r13d, eax
        mov r14d, [abs irq_count]
        mov word [abs TXQ + AV_FLAGS], NO_INTERRUPT
        sti
        nop
        mov r15d, [abs irq_count]
        PRINTNUM "InterruptStatus: ", ebx
        PRINTNUM "after acknowledging bit 1: ", r12d
        PRINTNUM "after acknowledging bit 0: ", r13d
        PRINTNUM "interrupts taken with IF = 0: ", r14d
        PRINTNUM "interrupts taken after sti: ", r15d
        PRINTNUM "spurious: ", [abs irq_spurious]
        POWEROFF
