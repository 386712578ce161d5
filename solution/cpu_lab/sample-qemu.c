/*
 * sample-qemu.c — the smallest useful virtual machine monitor (VMM).
 *
 * It asks the Linux kernel's KVM module for a virtual machine with one
 * virtual CPU and 64 KiB of RAM, loads a tiny 16-bit real-mode guest into
 * that RAM and runs it. The guest's instructions execute directly on the
 * real CPU; only when the guest does something the hardware cannot finish
 * on its own (here: port I/O and hlt) does the CPU leave the guest ("VM
 * exit") and KVM_RUN return to us, with the reason in run->exit_reason.
 * We emulate the instruction and call KVM_RUN again: trap, then emulate.
 *
 * Usage:  ./sample-qemu              run the built-in "Hello, world!" guest
 *         ./sample-qemu guest.bin    run a flat guest image instead
 *
 * A guest image is a flat binary (nasm -f bin, "org 0x1000", "bits 16")
 * of at most 48 KiB. It is loaded at guest-physical address 0x1000 and
 * starts in real mode at CS:IP = 0:0x1000 with SP = 0xfff0, inside the
 * 64 KiB of RAM (0x1000-0x10fff), so the guest has room for a stack.
 *
 * The structure follows the classic example from "Using the KVM API"
 * (LWN.net, 2015): one function, one KVM_RUN loop, one switch over the
 * exit reasons. Your job is the KVM_EXIT_IO branch of that switch.
 */
#include <ctype.h>
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

#define GUEST_PHYS_BASE 0x1000          /* where RAM starts in the guest */
#define GUEST_MEM_SIZE  0x10000         /* 64 KiB of RAM: 0x1000-0x10fff */
#define GUEST_IMAGE_MAX (48 * 1024)     /* the rest of RAM is for the stack */
#define GUEST_STACK_TOP 0xfff0          /* initial SP (SS = 0) */

/*
 * The built-in guest, used when no image is given. 16-bit code, loaded at
 * 0x1000 (the same bytes as kit/guests/cpu_lab/hello.asm):
 *
 *   0x1000  ba f8 03   mov  dx, 0x3f8     ; the serial port's data register
 *   0x1003  be 0f 10   mov  si, msg       ; DS = 0, so DS:SI = 0x100f
 *   0x1006  ac         .next: lodsb       ; al = [si], si += 1
 *   0x1007  84 c0      test al, al
 *   0x1009  74 03      jz   .done         ; stop at the terminating zero
 *   0x100b  ee         out  dx, al        ; -> KVM_EXIT_IO, one byte
 *   0x100c  eb f8      jmp  .next
 *   0x100e  f4         .done: hlt         ; -> KVM_EXIT_HLT
 *   0x100f  "Hello, world!\n", 0
 */
static const uint8_t hello_guest[] = {
	0xba, 0xf8, 0x03,
	0xbe, 0x0f, 0x10,
	0xac,
	0x84, 0xc0,
	0x74, 0x03,
	0xee,
	0xeb, 0xf8,
	0xf4,
	'H', 'e', 'l', 'l', 'o', ',', ' ', 'w', 'o', 'r', 'l', 'd', '!', '\n', 0,
};

/*
 * Copy the guest image at `path` into `dest` (capacity GUEST_IMAGE_MAX).
 * Any problem is fatal: one line on stderr and exit status 1.
 */
static size_t load_image(const char *path, uint8_t *dest)
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
	if (st.st_size > GUEST_IMAGE_MAX)
		errx(1, "guest image %s: %lld bytes, more than the %d allowed",
		     path, (long long)st.st_size, GUEST_IMAGE_MAX);

	/* read() may return less than asked: loop until the end of the file. */
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, dest + len, GUEST_IMAGE_MAX - len);
		if (n == -1)
			err(1, "guest image %s", path);
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == GUEST_IMAGE_MAX) {
			/* Full: the file must end here (it may have grown since fstat). */
			uint8_t extra;
			if (read(fd, &extra, 1) != 0)
				errx(1, "guest image %s: more than %d bytes",
				     path, GUEST_IMAGE_MAX);
			break;
		}
	}
	close(fd);
	if (len == 0)
		errx(1, "guest image %s: empty file", path);
	return len;
}

int main(int argc, char *argv[])
{
	int kvm, vmfd, vcpufd, ret;
	uint8_t *mem;
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

	/* KVM_CREATE_VM: a new, empty virtual machine (no memory, no CPUs). */
	vmfd = ioctl(kvm, KVM_CREATE_VM, (unsigned long)0);
	if (vmfd == -1)
		err(1, "KVM_CREATE_VM");

	/*
	 * Guest RAM is ordinary memory of this process. Page-aligned (mmap),
	 * zero-filled, and the guest image is copied to its start.
	 */
	mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		err(1, "allocating guest memory");
	if (argc == 2)
		load_image(argv[1], mem);
	else
		memcpy(mem, hello_guest, sizeof(hello_guest));

	/*
	 * KVM_SET_USER_MEMORY_REGION: tell KVM that guest-physical addresses
	 * 0x1000-0x10fff are backed by `mem`. A guest access anywhere else
	 * has no RAM behind it and comes back to us as KVM_EXIT_MMIO.
	 */
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = GUEST_PHYS_BASE,
		.memory_size = GUEST_MEM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)mem,
	};
	ret = ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &region);
	if (ret == -1)
		err(1, "KVM_SET_USER_MEMORY_REGION");

	/* KVM_CREATE_VCPU: virtual CPU number 0 of this VM. */
	vcpufd = ioctl(vmfd, KVM_CREATE_VCPU, (unsigned long)0);
	if (vcpufd == -1)
		err(1, "KVM_CREATE_VCPU");

	/*
	 * Each vCPU shares a `struct kvm_run` with us: KVM writes why the
	 * guest exited (and the details: which port, which bytes...) there.
	 * Its size is fixed by the kernel; map exactly that much. The mapping
	 * holds more than the struct: the data of port I/O lives in it too,
	 * at run->io.data_offset bytes from its start.
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
	 * executing at CS base 0xffff0000. Point CS (the code segment) at 0
	 * instead, and the data and stack segments too, so that addresses
	 * in the guest are plain guest-physical addresses. Read the special
	 * registers, change them, write them back.
	 */
	ret = ioctl(vcpufd, KVM_GET_SREGS, &sregs);
	if (ret == -1)
		err(1, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds.base = 0;
	sregs.ds.selector = 0;
	sregs.es.base = 0;
	sregs.es.selector = 0;
	sregs.ss.base = 0;
	sregs.ss.selector = 0;
	ret = ioctl(vcpufd, KVM_SET_SREGS, &sregs);
	if (ret == -1)
		err(1, "KVM_SET_SREGS");

	/*
	 * The general registers: start at the image (IP = 0x1000), with a
	 * stack, interrupts off. RFLAGS bit 1 is reserved and must be 1.
	 * RAX = RBX = 2 as in the classic sample (its guest printed 2 + 2).
	 */
	struct kvm_regs regs = {
		.rip = GUEST_PHYS_BASE,
		.rax = 2,
		.rbx = 2,
		.rsp = GUEST_STACK_TOP,
		.rflags = 0x2,
	};
	ret = ioctl(vcpufd, KVM_SET_REGS, &regs);
	if (ret == -1)
		err(1, "KVM_SET_REGS");

	/*
	 * Run the guest. KVM_RUN returns each time the guest needs us;
	 * after we have handled the exit, the loop enters the guest again.
	 */
	while (1) {
		ret = ioctl(vcpufd, KVM_RUN, NULL);
		if (ret == -1)
			err(1, "KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_HLT:
			/* The guest halted: it has nothing more to do. */
			puts("KVM_EXIT_HLT");
			return 0;
		case KVM_EXIT_IO:
			/*
			 * The one device: the data register of a serial port at
			 * 0x3f8, written one byte at a time. KVM left the byte in
			 * the shared mapping, data_offset bytes from its start.
			 */
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1 && run->io.port == 0x3f8) {
				unsigned char byte = *((unsigned char *)run + run->io.data_offset);
				putchar(tolower(byte));
				break;
			}
			/* Any other port I/O: the guest did something we don't emulate. */
			errx(1, "KVM_EXIT_IO: unsupported %s of size %u, count %u, port 0x%x",
			     run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			     run->io.size, run->io.count, run->io.port);
		case KVM_EXIT_FAIL_ENTRY:
			/* The hardware refused to enter the guest (bad vCPU state). */
			errx(1, "KVM_EXIT_FAIL_ENTRY: hardware_entry_failure_reason = 0x%llx",
			     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		case KVM_EXIT_INTERNAL_ERROR:
			/*
			 * KVM could not go on, e.g. it had to emulate an
			 * instruction it does not know (suberror 1) or to deliver
			 * an exception through memory that isn't there.
			 */
			errx(1, "KVM_EXIT_INTERNAL_ERROR: suberror = 0x%x",
			     run->internal.suberror);
		case KVM_EXIT_SHUTDOWN:
			/* A triple fault: the guest crashed beyond recovery. */
			errx(1, "KVM_EXIT_SHUTDOWN: the guest triple-faulted");
		case KVM_EXIT_MMIO:
			/* The guest touched an address with no RAM behind it. */
			errx(1, "KVM_EXIT_MMIO: guest %s of %u bytes at 0x%llx, outside its RAM",
			     run->mmio.is_write ? "write" : "read", run->mmio.len,
			     (unsigned long long)run->mmio.phys_addr);
		default:
			errx(1, "unexpected exit_reason = %u", run->exit_reason);
		}
	}
}
