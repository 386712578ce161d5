/*
 * irqvmm.c - the bench's VMM for interrupts: KVM_CREATE_IRQCHIP, one 64 KiB
 * slot at 0 (the guest's IVT), the guest at 0x1000 in real mode. Each
 * OUT 0xf0 is a request: GSI 1 is pulsed with KVM_IRQ_LINE; OUT 0xf1 ends.
 * Prints the number of interrupts requested on stderr.
 */
#include <err.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		errx(2, "usage: irqvmm GUEST.bin");
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		err(1, "/dev/kvm");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0 || ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		err(1, "KVM_CREATE_VM / KVM_CREATE_IRQCHIP");
	uint8_t *mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	FILE *f = fopen(argv[1], "rb");
	if (mem == MAP_FAILED || !f)
		err(1, "setup");
	if (fread(mem + 0x1000, 1, 0xb000, f) == 0)
		errx(1, "empty guest");
	fclose(f);
	struct kvm_userspace_memory_region r = { 0, 0, 0, 0x10000, (unsigned long)mem };
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		err(1, "KVM_SET_USER_MEMORY_REGION");
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
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
	unsigned long requests = 0;
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			err(1, "KVM_RUN");
		if (run->exit_reason != KVM_EXIT_IO)
			errx(1, "exit %u after %lu interrupts", run->exit_reason, requests);
		if (run->io.port == 0xf1)
			break;
		if (run->io.port != 0xf0)
			continue;
		struct kvm_irq_level l = { .irq = 1, .level = 1 };
		if (ioctl(vm, KVM_IRQ_LINE, &l) < 0)
			err(1, "KVM_IRQ_LINE");
		l.level = 0;
		ioctl(vm, KVM_IRQ_LINE, &l);
		requests++;
	}
	ioctl(vcpu, KVM_GET_REGS, &g);
	fprintf(stderr, "interrupts %llu\n", (unsigned long long)(g.rcx & 0xffff));
	return (g.rcx & 0xffff) == 50000 ? 0 : 1;
}
