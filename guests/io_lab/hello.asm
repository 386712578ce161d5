; title: Hello through the transmitq: the device's registers, one queue, printing
; title-zh: 通过发送队列打招呼：设备寄存器、一个队列、打印
; points: 3
; hint: The guest's driver reads MagicValue, Version and DeviceID, negotiates VIRTIO_F_VERSION_1, sets up both queues and sends each line as one request on the transmitq (queue 1). Its own complaints are on stderr ("guest: ...").
; hint-zh: 客户机驱动先读 MagicValue、Version、DeviceID，协商 VIRTIO_F_VERSION_1，建立两个队列，再把每一行作为发送队列（队列 1）上的一个请求发出。驱动发现的问题写在 stderr 上（“guest: ...”）。
; expect-exit: success
; expect-stdout: "Hello from the guest, through a virtqueue!\n"
;
; The whole bring-up of virtio.inc (vio_init), then one request of one
; descriptor on the transmitq: the device prints its bytes.
%include "virtio.inc"

        call vio_init
        PRINT hello
        POWEROFF

hello:  db "Hello from the guest, through a virtqueue!", 10, 0
