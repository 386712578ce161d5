/*
 * sample-qemu.c — a small VMM for memory virtualization: a 64-bit guest,
 * its page tables, memory slots, an MMIO device, a ROM and dirty logging.
 *
 * It asks the Linux kernel's KVM module for a virtual machine with one
 * virtual CPU and gives it a guest-physical address space:
 *
 *   0x00000000 - 0x003fffff  RAM, 4 MiB (memory slot 0): page tables the
 *                            VMM builds at 0x1000-0x4fff, the stack below
 *                            0x10000, the guest image at 0x10000
 *   0x10000000 - 0x10000fff  the console, an MMIO device: no memory behind
 *                            it, every access comes back as KVM_EXIT_MMIO
 *   0x20000000 - 0x20000fff  a ROM (memory slot 1, read-only)
 *   anything else            nothing: a hole
 *
 * The vCPU starts directly in 64-bit long mode, with paging on: the VMM
 * writes the guest's page tables into guest RAM and sets the control
 * registers, as a boot loader would. Guest-virtual addresses become
 * guest-physical ones through those tables (the guest's own translation);
 * guest-physical addresses become addresses of this process through the
 * memory slots (the VMM's translation, done in hardware by EPT/NPT).
 *
 * Usage:  ./sample-qemu              run the built-in guest
 *         ./sample-qemu guest.bin    run a flat 64-bit guest image
 *
 * A guest image is a flat binary (nasm -f bin, "bits 64", "org 0x10000")
 * of at most 64 KiB, loaded at guest-physical 0x10000, where it starts.
 * kit/guests/mem_lab/README.md in the tarball is the whole contract.
 *
 * The structure follows the classic example from "Using the KVM API"
 * (LWN.net, 2015): one function, one KVM_RUN loop, one switch over the
 * exit reasons. Your work is in four TODOs, numbered in the order to do
 * them (the file has them in another order):
 *   TODO 1  long mode: the page tables and the special registers
 *   TODO 2  the console: the KVM_EXIT_MMIO case
 *   TODO 3  the ROM: a read-only memory slot
 *   TODO 4  dirty logging: switch it on (4a), count at HLT (4b)
 * Each is between a "TODO n begins" and a "TODO n ends" line; write your
 * code there and change nothing else.
 */
#include <err.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- The guest-physical map (kit/guests/mem_lab/README.md) ---- */
#define GUEST_PAGE      4096ull
#define RAM_SLOT        0
#define RAM_GPA         0x0ull                  /* RAM: 4 MiB at 0 */
#define RAM_SIZE        (4ull << 20)
#define RAM_PAGES       (RAM_SIZE / GUEST_PAGE) /* 1024 */
#define PML4_GPA        0x1000ull               /* the guest's page tables, */
#define PDPT_LOW_GPA    0x2000ull               /* built by TODO 1 */
#define PDPT_HIGH_GPA   0x3000ull
#define PD_GPA          0x4000ull
#define STACK_TOP       0x10000ull              /* initial RSP; grows down */
#define IMAGE_GPA       0x10000ull              /* the guest image, and RIP */
#define IMAGE_MAX       0x10000                 /* 64 KiB */

#define CONSOLE_GPA     0x10000000ull           /* the console: MMIO */
#define CONSOLE_SIZE    0x1000ull
#define CONSOLE_DATA    0x0     /* write, 1 byte: the byte is printed */
#define CONSOLE_STATUS  0x4     /* read, 4 bytes: CONSOLE_READY */
#define CONSOLE_ID      0x8     /* read, 4 bytes: CONSOLE_ID_VALUE */
#define CONSOLE_READY   1u
#define CONSOLE_ID_VALUE 0x4e4f4356u            /* "VCON" in memory order */

#define ROM_SLOT        1
#define ROM_GPA         0x20000000ull           /* the ROM: read-only slot */
#define ROM_SIZE        0x1000ull
#define ROM_TABLE       0x100                   /* offset of a 256-byte table */

/* Higher half: guest-virtual ALIAS_GVA + x is guest-physical x, like
 * Linux's kernel mapping at -2 GiB. */
#define ALIAS_GVA       0xffffffff80000000ull

/* ---- x86-64 paging and control-register bits (Intel SDM vol. 3, ch. 4) ---- */
#define PTE_P           (1ull << 0)     /* present */
#define PTE_RW          (1ull << 1)     /* writable */
#define PTE_A           (1ull << 5)     /* accessed */
#define PTE_D           (1ull << 6)     /* dirty (in the entry that maps a page) */
#define PTE_PS          (1ull << 7)     /* in a PD entry: maps a 2 MiB page */
/*
 * The flags of every entry the VMM writes. A and D are preset: the CPU
 * sets them itself on the first use of an entry, and that write to the
 * page-table page would make the page "dirty" in KVM's log although the
 * guest never wrote it. Preset, the CPU has nothing to write, and the
 * dirty count is the guest's own writes only.
 */
#define PT_FLAGS        (PTE_P | PTE_RW | PTE_A | PTE_D)

#define CR0_PE          (1ull << 0)     /* protected mode */
#define CR0_ET          (1ull << 4)     /* always 1 on a modern CPU */
#define CR0_PG          (1ull << 31)    /* paging */
#define CR4_PAE         (1ull << 5)     /* 64-bit page-table entries */
#define EFER_LME        (1ull << 8)     /* long mode enable */
#define EFER_LMA        (1ull << 10)    /* long mode active */

/*
 * The built-in guest, used when no image is given: 64-bit code loaded at
 * 0x10000 (the same bytes as kit/guests/mem_lab/hello.asm):
 *
 *   0x10000  48 8d 35 0f 00 00 00  lea  rsi, [rel msg]    ; rsi = 0x10016
 *   0x10007  ac                    .next: lodsb
 *   0x10008  84 c0                 test al, al
 *   0x1000a  74 09                 jz   .done
 *   0x1000c  88 04 25 00 00 00 10  mov  [0x10000000], al ; -> KVM_EXIT_MMIO
 *   0x10013  eb f2                 jmp  .next
 *   0x10015  f4                    .done: hlt            ; -> KVM_EXIT_HLT
 *   0x10016  "Hello from long mode!\n", 0
 */
static const uint8_t hello_guest[] = {
	0x48, 0x8d, 0x35, 0x0f, 0x00, 0x00, 0x00,
	0xac,
	0x84, 0xc0,
	0x74, 0x09,
	0x88, 0x04, 0x25, 0x00, 0x00, 0x00, 0x10,
	0xeb, 0xf2,
	0xf4,
	'H', 'e', 'l', 'l', 'o', ' ', 'f', 'r', 'o', 'm', ' ', 'l', 'o', 'n', 'g',
	' ', 'm', 'o', 'd', 'e', '!', '\n', 0,
};

/*
 * Copy the guest image at `path` into `dest` (capacity IMAGE_MAX).
 * Any problem is fatal: one line on stderr and exit status 1.
 */
static void load_image(const char *path, uint8_t *dest)
{
	int fd = open(path, O_RDONLY);
	if (fd == -1)
		err(1, "guest image %s", path);

	struct stat st;
	if (fstat(fd, &st) == -1)
		err(1, "guest image %s", path);
	if (!S_ISREG(st.st_mode))
		errx(1, "guest image %s: not a regular file", path);
	if (st.st_size == 0)
		errx(1, "guest image %s: empty file", path);
	if (st.st_size > IMAGE_MAX)
		errx(1, "guest image %s: %lld bytes, more than the %d allowed",
		     path, (long long)st.st_size, IMAGE_MAX);

	/* read() may return less than asked: loop until the end of the file. */
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, dest + len, IMAGE_MAX - len);
		if (n == -1)
			err(1, "guest image %s", path);
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == IMAGE_MAX) {
			/* Full: the file must end here (it may have grown since fstat). */
			uint8_t extra;
			if (read(fd, &extra, 1) != 0)
				errx(1, "guest image %s: more than %d bytes", path, IMAGE_MAX);
			break;
		}
	}
	close(fd);
	if (len == 0)
		errx(1, "guest image %s: empty file", path);
}

/*
 * The ROM's contents (ROM_SIZE bytes at `rom`): a line of text at offset
 * 0, then zeros, and at ROM_TABLE a table of 256 bytes, entry i being
 * (7 * i + 3) mod 256, for the guests to read and check.
 */
static void fill_rom(uint8_t *rom)
{
	static const char text[] = "ROM: mem_lab firmware, version 1\n";

	memset(rom, 0, ROM_SIZE);
	memcpy(rom, text, sizeof(text));
	for (int i = 0; i < 256; i++)
		rom[ROM_TABLE + i] = (uint8_t)(7 * i + 3);
}

int main(int argc, char *argv[])
{
	int kvm, vmfd, vcpufd, ret;
	uint8_t *mem, *rom;
	struct kvm_sregs sregs;
	size_t mmap_size;
	struct kvm_run *run;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [guest.bin]\n", argv[0]);
		return 2;
	}

	/* /dev/kvm is the entry point to KVM: every VM starts from this fd. */
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm == -1)
		err(1, "/dev/kvm");

	/* The API has been stable at version 12 since Linux 2.6.22. */
	ret = ioctl(kvm, KVM_GET_API_VERSION, NULL);
	if (ret == -1)
		err(1, "KVM_GET_API_VERSION");
	if (ret != 12)
		errx(1, "KVM_GET_API_VERSION %d, expected 12", ret);

	/* Read-only memory slots are an extension: ask before relying on it. */
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) <= 0)
		errx(1, "this KVM has no read-only memory slots (KVM_CAP_READONLY_MEM)");

	/* KVM_CREATE_VM: a new, empty virtual machine (no memory, no CPUs). */
	vmfd = ioctl(kvm, KVM_CREATE_VM, (unsigned long)0);
	if (vmfd == -1)
		err(1, "KVM_CREATE_VM");

	/*
	 * Guest RAM is ordinary memory of this process: page-aligned (mmap),
	 * zero-filled. The guest image goes to guest-physical IMAGE_GPA,
	 * that is mem + IMAGE_GPA here (RAM starts at guest-physical 0).
	 */
	mem = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		err(1, "allocating guest memory");
	if (argc == 2)
		load_image(argv[1], mem + IMAGE_GPA);
	else
		memcpy(mem + IMAGE_GPA, hello_guest, sizeof(hello_guest));

	/*
	 * KVM_SET_USER_MEMORY_REGION: slot RAM_SLOT says that guest-physical
	 * RAM_GPA .. RAM_GPA + RAM_SIZE - 1 is backed by `mem`. A guest access
	 * outside every slot has no memory behind it and comes back to us as
	 * KVM_EXIT_MMIO.
	 */
	struct kvm_userspace_memory_region region = {
		.slot = RAM_SLOT,
		.flags = 0,
		.guest_phys_addr = RAM_GPA,
		.memory_size = RAM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)mem,
	};
	ret = ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &region);
	if (ret == -1)
		err(1, "KVM_SET_USER_MEMORY_REGION (RAM)");

	/*
	 * The ROM's contents, in memory of this process like the RAM's:
	 * ROM_SIZE bytes, filled by fill_rom().
	 */
	rom = mmap(NULL, ROM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rom == MAP_FAILED)
		err(1, "allocating the ROM");
	fill_rom(rom);

	/*
	 * TODO 3: make `rom` the guest's ROM: a second memory slot, number
	 * ROM_SLOT, at guest-physical ROM_GPA, ROM_SIZE bytes, that the guest
	 * can read but not write (the flag KVM_MEM_READONLY), registered with
	 * KVM_SET_USER_MEMORY_REGION like the RAM above. The guest's reads
	 * are then served from `rom` without an exit; a guest write to it
	 * comes back as KVM_EXIT_MMIO (see TODO 2).
	 */
	/* ---- TODO 3 begins ---- */
	struct kvm_userspace_memory_region rom_region = {
		.slot = ROM_SLOT,
		.flags = KVM_MEM_READONLY,
		.guest_phys_addr = ROM_GPA,
		.memory_size = ROM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)rom,
	};
	ret = ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &rom_region);
	if (ret == -1)
		err(1, "KVM_SET_USER_MEMORY_REGION (ROM)");
	/* ---- TODO 3 ends ---- */

	/* KVM_CREATE_VCPU: virtual CPU number 0 of this VM. */
	vcpufd = ioctl(vmfd, KVM_CREATE_VCPU, (unsigned long)0);
	if (vcpufd == -1)
		err(1, "KVM_CREATE_VCPU");

	/*
	 * Each vCPU shares a `struct kvm_run` with us: KVM writes why the
	 * guest exited (and the details) there. Map exactly the size the
	 * kernel says.
	 */
	ret = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (ret == -1)
		err(1, "KVM_GET_VCPU_MMAP_SIZE");
	mmap_size = (size_t)ret;
	if (mmap_size < sizeof(*run))
		errx(1, "KVM_GET_VCPU_MMAP_SIZE unexpectedly small");
	run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpufd, 0);
	if (run == MAP_FAILED)
		err(1, "mmap vcpu");

	/*
	 * A new vCPU is in the state of an x86 CPU after reset: real mode,
	 * no paging. Read its special registers; TODO 1 changes them; they
	 * are written back below.
	 */
	ret = ioctl(vcpufd, KVM_GET_SREGS, &sregs);
	if (ret == -1)
		err(1, "KVM_GET_SREGS");

	/*
	 * TODO 1: put the vCPU in 64-bit long mode, as a boot loader would.
	 *
	 * a) The guest's page tables, 4 levels, in guest RAM: the PML4 at
	 *    PML4_GPA, two PDPTs at PDPT_LOW_GPA and PDPT_HIGH_GPA, one PD at
	 *    PD_GPA (all zero now; mem + X is guest-physical X). Every entry
	 *    is the guest-physical address of what it points to, ORed with
	 *    PT_FLAGS.
	 *    - The PD maps the first GiB with 512 pages of 2 MiB: entry i
	 *      maps guest-physical i * 2 MiB and has PTE_PS as well.
	 *    - Identity map: guest-virtual 0 .. 1 GiB to the same addresses.
	 *      PML4 entry 0 -> the low PDPT, its entry 0 -> the PD.
	 *    - Higher-half alias: guest-virtual ALIAS_GVA + x to guest-
	 *      physical x, through the high PDPT and the same PD. Which PML4
	 *      and PDPT entries? Bits 47-39 and 38-30 of ALIAS_GVA say.
	 * b) The special registers, in `sregs`:
	 *    - cr3 = the PML4's guest-physical address;
	 *    - cr4 = CR4_PAE; efer = EFER_LME | EFER_LMA;
	 *    - cr0 = CR0_PE | CR0_ET | CR0_PG;
	 *    - cs: a 64-bit code segment (struct kvm_segment): base 0, limit
	 *      0xffffffff, selector 0x8, type 11 (execute/read, accessed),
	 *      present, s = 1 (code/data), dpl 0, l = 1 (64-bit), db = 0, g = 1;
	 *    - ds, es, fs, gs, ss: the same but type 3 (read/write, accessed),
	 *      selector 0x10, l = 0.
	 */
	/* ---- TODO 1 begins ---- */
	uint64_t *pml4 = (uint64_t *)(mem + PML4_GPA);
	uint64_t *pdpt_low = (uint64_t *)(mem + PDPT_LOW_GPA);
	uint64_t *pdpt_high = (uint64_t *)(mem + PDPT_HIGH_GPA);
	uint64_t *pd = (uint64_t *)(mem + PD_GPA);

	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i << 21) | PT_FLAGS | PTE_PS;
	pml4[0] = PDPT_LOW_GPA | PT_FLAGS;
	pdpt_low[0] = PD_GPA | PT_FLAGS;
	pml4[(ALIAS_GVA >> 39) & 511] = PDPT_HIGH_GPA | PT_FLAGS;
	pdpt_high[(ALIAS_GVA >> 30) & 511] = PD_GPA | PT_FLAGS;

	sregs.cr3 = PML4_GPA;
	sregs.cr4 = CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	sregs.cr0 = CR0_PE | CR0_ET | CR0_PG;

	struct kvm_segment code = {
		.base = 0,
		.limit = 0xffffffff,
		.selector = 0x8,
		.type = 11,
		.present = 1,
		.dpl = 0,
		.db = 0,
		.s = 1,
		.l = 1,
		.g = 1,
	};
	struct kvm_segment data = code;
	data.type = 3;
	data.selector = 0x10;
	data.l = 0;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	/* ---- TODO 1 ends ---- */

	ret = ioctl(vcpufd, KVM_SET_SREGS, &sregs);
	if (ret == -1)
		err(1, "KVM_SET_SREGS");

	/*
	 * The general registers: start at the image, with a stack below it,
	 * interrupts off. RFLAGS bit 1 is reserved and must be 1.
	 */
	struct kvm_regs regs = {
		.rip = IMAGE_GPA,
		.rsp = STACK_TOP,
		.rflags = 0x2,
	};
	ret = ioctl(vcpufd, KVM_SET_REGS, &regs);
	if (ret == -1)
		err(1, "KVM_SET_REGS");

	/*
	 * TODO 4a: switch on dirty-page logging for the RAM slot, as QEMU
	 * does when a live migration starts: register the same slot again
	 * (same slot number, addresses and size: `region` above) with the
	 * flag KVM_MEM_LOG_DIRTY_PAGES. From then on KVM records, one bit
	 * per 4 KiB page, which pages of the slot the guest writes.
	 */
	/* ---- TODO 4a begins ---- */
	region.flags = KVM_MEM_LOG_DIRTY_PAGES;
	ret = ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &region);
	if (ret == -1)
		err(1, "KVM_SET_USER_MEMORY_REGION (dirty logging)");
	/* ---- TODO 4a ends ---- */

	/*
	 * Run the guest. KVM_RUN returns each time the guest needs us;
	 * after we have handled the exit, the loop enters the guest again.
	 */
	while (1) {
		ret = ioctl(vcpufd, KVM_RUN, NULL);
		if (ret == -1)
			err(1, "KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_HLT: {
			/*
			 * The guest halted: it has nothing more to do. Say how
			 * many pages of RAM it wrote, then stop.
			 */
			unsigned long dirty = 0;
			/*
			 * TODO 4b: count the pages of RAM the guest wrote into
			 * `dirty`. KVM_GET_DIRTY_LOG on the VM fd fills a bitmap
			 * (struct kvm_dirty_log: .slot, .dirty_bitmap), one bit per
			 * page of the slot, page i in bit i % 64 of 64-bit word
			 * i / 64; a bit is 1 when the guest wrote the page.
			 */
			/* ---- TODO 4b begins ---- */
			uint64_t bitmap[RAM_PAGES / 64] = {0};
			struct kvm_dirty_log log = {
				.slot = RAM_SLOT,
				.dirty_bitmap = bitmap,
			};
			if (ioctl(vmfd, KVM_GET_DIRTY_LOG, &log) == -1)
				err(1, "KVM_GET_DIRTY_LOG");
			for (size_t i = 0; i < RAM_PAGES / 64; i++)
				dirty += (unsigned long)__builtin_popcountll(bitmap[i]);
			/* ---- TODO 4b ends ---- */
			printf("dirty pages: %lu\n", dirty);
			puts("KVM_EXIT_HLT");
			return 0;
		}
		case KVM_EXIT_MMIO: {
			/*
			 * TODO 2: the guest accessed a guest-physical address
			 * with no RAM behind it: run->mmio.phys_addr, len bytes
			 * (1, 2, 4 or 8), is_write. For a write, the bytes are in
			 * run->mmio.data; for a read, put the len bytes the guest
			 * gets in run->mmio.data (the next KVM_RUN delivers them).
			 * Emulate the console at CONSOLE_GPA:
			 *   - DATA (offset CONSOLE_DATA), write of 1 byte: print the
			 *     byte on stdout as it is;
			 *   - STATUS (CONSOLE_STATUS), read of 4 bytes: CONSOLE_READY;
			 *   - ID (CONSOLE_ID), read of 4 bytes: CONSOLE_ID_VALUE;
			 * then `break`, so the loop enters the guest again.
			 * Anything else is a guest error: any other offset, size or
			 * direction on the console, a write to the ROM, an access
			 * anywhere else (a hole). Report it on stderr, naming the
			 * address, and exit with a non-zero status (errx(1, ...)).
			 */
			/* ---- TODO 2 begins ---- */
			uint64_t gpa = run->mmio.phys_addr;
			uint32_t len = run->mmio.len;
			const char *what = run->mmio.is_write ? "write" : "read";

			/* The ROM's slot is read-only: a write to it exits. */
			if (gpa >= ROM_GPA && gpa < ROM_GPA + ROM_SIZE)
				errx(1, "guest %u-byte %s at 0x%llx: the ROM is read-only",
				     len, what, (unsigned long long)gpa);
			if (gpa < CONSOLE_GPA || gpa >= CONSOLE_GPA + CONSOLE_SIZE)
				errx(1, "guest %u-byte %s at 0x%llx: no RAM and no device there",
				     len, what, (unsigned long long)gpa);

			uint64_t reg = gpa - CONSOLE_GPA;
			if (reg == CONSOLE_DATA && run->mmio.is_write && len == 1) {
				putchar(run->mmio.data[0]);
				break;
			}
			if ((reg == CONSOLE_STATUS || reg == CONSOLE_ID) &&
			    !run->mmio.is_write && len == 4) {
				uint32_t value = reg == CONSOLE_STATUS ? CONSOLE_READY
								      : CONSOLE_ID_VALUE;
				/* x86 is little-endian, as run->mmio.data is. */
				memcpy(run->mmio.data, &value, sizeof(value));
				break;
			}
			errx(1, "console: unsupported %u-byte %s at offset 0x%llx (0x%llx)",
			     len, what, (unsigned long long)reg, (unsigned long long)gpa);
			/* ---- TODO 2 ends ---- */
		}
		case KVM_EXIT_IO:
			/* This machine has no I/O ports. */
			errx(1, "KVM_EXIT_IO: %s of %u bytes on port 0x%x: no I/O ports here",
			     run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			     run->io.size, run->io.port);
		case KVM_EXIT_FAIL_ENTRY:
			/* The hardware refused to enter the guest (bad vCPU state). */
			errx(1, "KVM_EXIT_FAIL_ENTRY: hardware_entry_failure_reason = 0x%llx",
			     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		case KVM_EXIT_INTERNAL_ERROR:
			/* KVM could not go on, e.g. an instruction it can't emulate. */
			errx(1, "KVM_EXIT_INTERNAL_ERROR: suberror = 0x%x",
			     run->internal.suberror);
		case KVM_EXIT_SHUTDOWN:
			/*
			 * A triple fault: e.g. a page fault (the guest touched a
			 * guest-virtual address its page tables don't map) with no
			 * IDT to handle it.
			 */
			errx(1, "KVM_EXIT_SHUTDOWN: the guest triple-faulted");
		default:
			errx(1, "unexpected exit_reason = %u", run->exit_reason);
		}
	}
}
