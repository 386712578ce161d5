; title: a write just past the end of RAM (a hole in the map) is an error
; title-zh: 写到 RAM 末尾之后（地址图中的空洞）是错误
; points: 2
; hint: Guest-physical 0x400000 is neither RAM, nor the ROM, nor the console: an access there is a guest error; stop with a message naming the address.
; hint-on: exit
; hint-zh: 客户机物理地址 0x400000 既不是 RAM，也不是 ROM 或控制台：访问那里是客户机错误；停下并给出一条指明该地址的消息。
; expect-exit: error
; expect-stdout: "writing one byte past the end of RAM...\n"
;
; RAM ends at 4 MiB. The page tables map the whole first GiB, so the
; guest's write to 0x400000 reaches guest-physical 0x400000, where no slot
; is: KVM_EXIT_MMIO. No device there: the VMM must stop.
%include "console.inc"

        PRINT before
        mov byte [abs RAM_END], 'X'     ; one byte past the last byte of RAM
        PRINT after
        hlt

before: db "writing one byte past the end of RAM...", 10, 0
after:  db "...and still running after writing into the hole", 10, 0
