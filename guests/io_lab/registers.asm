; title: the device's registers: identity, queue sizes, readiness, status
; title-zh: 设备寄存器：标识、队列大小、就绪状态、状态
; points: 2
; hint: MagicValue 0x74726976, Version 2, DeviceID 3, VendorID, QueueNumMax of the selected queue (0 for a queue that doesn't exist), QueueReady, Status as the driver wrote it, ConfigGeneration 0 (virtio 1.x, 4.2.2).
; hint-zh: MagicValue 为 0x74726976，Version 为 2，DeviceID 为 3，还有 VendorID；QueueNumMax 是当前所选队列的（不存在的队列为 0）；QueueReady；Status 为驱动写入的值；ConfigGeneration 为 0（virtio 1.x 第 4.2.2 节）。
; expect-exit: success
; expect-stdout: "MagicValue: 74726976\nVersion, DeviceID: 23\nVendorID: 42414c56\nqueue max: 16\nqueue ready: 1\nqueue max: 16\nqueue ready: 1\nqueue max: 0\nqueue ready: 0\nqueue 0 ready after writing 0: 0\nqueue 2 max after a DriverFeatures write: 0\nStatus: 0000000f\nConfigGeneration: 0\nInterruptStatus: 0\n"
;
; After the bring-up, the guest reads every readable register and prints
; what it got; queue 2 does not exist (a console with one port has two).
%include "virtio.inc"

        call vio_init
        PRINTS "MagicValue: "
        VRD MAGIC
        mov edi, eax
        call print_hex
        PRINTS "Version, DeviceID: "
        VRD VERSION
        mov ebx, eax
        VRD DEVICE_ID
        imul edi, ebx, 10
        add edi, eax
        call print_dec                  ; 23
        PRINTS "VendorID: "
        VRD VENDOR_ID
        mov edi, eax
        call print_hex
%assign q 0
%rep 3
        VWR QUEUE_SEL, q
        VRD QUEUE_NUM_MAX
        mov ebx, eax
        VRD QUEUE_READY
        mov r12d, eax
        PRINTNUM "queue max: ", ebx
        PRINTNUM "queue ready: ", r12d
%assign q q + 1
%endrep
        VWR QUEUE_SEL, 0                ; the driver may take a queue back
        VWR QUEUE_READY, 0
        VRD QUEUE_READY
        mov ebx, eax
        VWR QUEUE_READY, 1
        VWR QUEUE_SEL, 2                ; the driver's features don't select a queue
        VWR DRV_FEAT_SEL, 1
        VWR DRV_FEAT, 1
        VRD QUEUE_NUM_MAX
        mov r12d, eax
        PRINTNUM "queue 0 ready after writing 0: ", ebx
        PRINTNUM "queue 2 max after a DriverFeatures write: ", r12d
        PRINTS "Status: "
        VRD STATUS
        mov edi, eax
        call print_hex
        VRD CONFIG_GEN
        PRINTNUM "ConfigGeneration: ", eax
        VRD INT_STATUS
        PRINTNUM "InterruptStatus: ", eax
        POWEROFF
