/*
 * vmm.c - the bench's VMM: the lab's layout (one 64 KiB slot at 0x1000,
 * real mode, IP 0x1000), runs a flat guest to its HLT and reports on stderr
 * the number of exits and the guest's final ECX. Port 0x3f8 goes to stdout.
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
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2 && !(argc == 3 && strcmp(argv[2], "--cpuid") == 0))
		errx(2, "usage: bench-vmm GUEST.bin [--cpuid]");
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		err(1, "/dev/kvm");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	uint8_t *mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	FILE *f = fopen(argv[1], "rb");
	if (vm < 0 || mem == MAP_FAILED || !f)
		err(1, "setup");
	if (fread(mem, 1, 0xc000, f) == 0)
		errx(1, "empty guest");
	fclose(f);
	struct kvm_userspace_memory_region r = { 0, 0, 0x1000, 0x10000, (unsigned long)mem };
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		err(1, "KVM_SET_USER_MEMORY_REGION");
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	/* --cpuid: the CPU's features for the guest (long mode needs CPUID.LM),
	 * as real VMMs do before the first KVM_RUN. The lab's VMM doesn't. */
	if (argc == 3) {
		struct kvm_cpuid2 *cpuid = calloc(1, sizeof *cpuid + 256 * sizeof cpuid->entries[0]);
		if (!cpuid)
			err(1, "calloc");
		cpuid->nent = 256;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0 ||
		    ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
			err(1, "KVM_GET_SUPPORTED_CPUID / KVM_SET_CPUID2");
		free(cpuid);
	}
	int sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (vcpu < 0 || run == MAP_FAILED)
		err(1, "vcpu");
	struct kvm_sregs s;
	ioctl(vcpu, KVM_GET_SREGS, &s);
	s.cs.base = s.cs.selector = 0;
	s.ds.base = s.ds.selector = s.es.base = s.es.selector = s.ss.base = s.ss.selector = 0;
	ioctl(vcpu, KVM_SET_SREGS, &s);
	struct kvm_regs g = { .rip = 0x1000, .rsp = 0xfff0, .rflags = 2 };
	ioctl(vcpu, KVM_SET_REGS, &g);
	unsigned long exits = 0;
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			err(1, "KVM_RUN");
		exits++;
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		if (run->exit_reason != KVM_EXIT_IO)
			errx(1, "exit %u", run->exit_reason);
		if (run->io.port == 0x3f8 && run->io.direction == KVM_EXIT_IO_OUT)
			putchar(*((char *)run + run->io.data_offset));
	}
	ioctl(vcpu, KVM_GET_REGS, &g);
	fflush(stdout);
	fprintf(stderr, "exits %lu ecx %llu\n", exits, (unsigned long long)g.rcx);
	return 0;
}
