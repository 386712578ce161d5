; title: a write just past the end of RAM (a hole in the map) is an error
; points: 2
; hint: Guest-physical 0x400000 is neither RAM, nor the ROM, nor the console: an access there is a guest error; stop with a message naming the address.
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
