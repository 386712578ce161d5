; title: feature negotiation: the device offers VIRTIO_F_VERSION_1 and refuses what it doesn't offer
; title-zh: 特性协商：设备提供 VIRTIO_F_VERSION_1，拒绝它没有提供的特性
; points: 3
; hint: DeviceFeatures shows 32 bits of the 64 at a time, chosen by DeviceFeaturesSel (0: bits 0-31, 1: bits 32-63, more: 0). When the driver sets FEATURES_OK, the device keeps that bit only if the driver's features are a subset of its own and include VIRTIO_F_VERSION_1. Writing 0 to Status resets the device.
; hint-zh: DeviceFeatures 每次只显示 64 位中的 32 位，由 DeviceFeaturesSel 选择（0：第 0-31 位，1：第 32-63 位，更大：0）。驱动设置 FEATURES_OK 时，只有当驱动的特性是设备特性的子集且包含 VIRTIO_F_VERSION_1，设备才保留该位。向 Status 写 0 会复位设备。
; expect-exit: success
; expect-stdout: "DeviceFeatures word: 0\nDeviceFeatures word: 1\nDeviceFeatures word: 0\nDeviceFeatures word: 0\nStatus after reset: 0\nQueueReady after reset: 0\nStatus, bit 0 asked: 3\nStatus, VERSION_1 not taken: 3\nStatus, rewritten words and select 2: 11\nStatus, VERSION_1 taken back: 3\nStatus, VERSION_1 alone: 15\n"
;
; The guest reads the device's features (selects 0 to 3), then tries
; negotiations, resetting in between: a feature the device doesn't offer and
; no VERSION_1 (both refused); words written twice and a select past 1
; (accepted); VERSION_1 written then cleared (refused); and ends with the
; good one (vio_init again). It remembers
; what it saw in registers and prints it once the queues work again.
%include "virtio.inc"

        call vio_init
%assign sel 0
%rep 4
        VWR DEV_FEAT_SEL, sel
        VRD DEV_FEAT
        PRINTNUM "DeviceFeatures word: ", eax
%assign sel sel + 1
%endrep
        ; reset: Status 0, the queues not ready any more
        VWR STATUS, 0
        VRD STATUS
        mov r12d, eax
        VWR QUEUE_SEL, 1
        VRD QUEUE_READY
        mov r13d, eax
        ; a feature the device doesn't offer (bit 0) next to VERSION_1
        VWR STATUS, S_ACK
        VWR STATUS, S_ACK | S_DRIVER
        VWR DRV_FEAT_SEL, 0
        VWR DRV_FEAT, 1
        VWR DRV_FEAT_SEL, 1
        VWR DRV_FEAT, 1
        VWR STATUS, S_ACK | S_DRIVER | S_FEATURES_OK
        VRD STATUS
        mov r14d, eax
        ; reset, then no VERSION_1 at all
        VWR STATUS, 0
        VWR STATUS, S_ACK
        VWR STATUS, S_ACK | S_DRIVER
        VWR DRV_FEAT_SEL, 0
        VWR DRV_FEAT, 0
        VWR DRV_FEAT_SEL, 1
        VWR DRV_FEAT, 0
        VWR STATUS, S_ACK | S_DRIVER | S_FEATURES_OK
        VRD STATUS
        mov r15d, eax
        ; reset; the low word written twice (1, then 0: the second write
        ; replaces the first), a select past 1 ignored, VERSION_1: accepted
        VWR STATUS, 0
        VWR STATUS, S_ACK
        VWR STATUS, S_ACK | S_DRIVER
        VWR DRV_FEAT_SEL, 0
        VWR DRV_FEAT, 1
        VWR DRV_FEAT, 0
        VWR DRV_FEAT_SEL, 2
        VWR DRV_FEAT, 0xffffffff
        VWR DRV_FEAT_SEL, 1
        VWR DEV_FEAT_SEL, 0             ; the other select: no effect on this one
        VWR DRV_FEAT, 1
        VWR STATUS, S_ACK | S_DRIVER | S_FEATURES_OK
        VRD STATUS
        mov ebx, eax
        ; reset; VERSION_1 written, then taken back: refused
        VWR STATUS, 0
        VWR STATUS, S_ACK
        VWR STATUS, S_ACK | S_DRIVER
        VWR DRV_FEAT_SEL, 1
        VWR DRV_FEAT, 1
        VWR DRV_FEAT, 0
        VWR DRV_FEAT_SEL, 1             ; selecting again writes nothing
        VWR STATUS, S_ACK | S_DRIVER | S_FEATURES_OK
        VRD STATUS
        mov ebp, eax
        call vio_init                   ; resets and negotiates VERSION_1 alone
        PRINTNUM "Status after reset: ", r12d
        PRINTNUM "QueueReady after reset: ", r13d
        PRINTNUM "Status, bit 0 asked: ", r14d
        PRINTNUM "Status, VERSION_1 not taken: ", r15d
        PRINTNUM "Status, rewritten words and select 2: ", ebx
        PRINTNUM "Status, VERSION_1 taken back: ", ebp
        VRD STATUS
        PRINTNUM "Status, VERSION_1 alone: ", eax
        POWEROFF
