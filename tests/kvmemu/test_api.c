/* test_api.c - system/VM/vCPU ioctls: versions, sizes, reset state. */
#include "tests.h"
#include "check_decl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

CHECK_SUITE("api", "api", NULL, NULL, 0);

TEST(api_version)
{
	struct vmm v;
	VM_OPEN(&v);
	WANT_EQ(&v, "KVM_GET_API_VERSION", 12, ioctl(v.kvm, KVM_GET_API_VERSION, 0));
	vmm_close(&v);
}
END_TEST

TEST(check_extension)
{
	struct vmm v;
	VM_OPEN(&v);
	WANT_EQ(&v, "KVM_CHECK_EXTENSION(KVM_CAP_USER_MEMORY)", 1,
		ioctl(v.kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	WANT_EQ(&v, "KVM_CHECK_EXTENSION(KVM_CAP_IMMEDIATE_EXIT)", 1,
		ioctl(v.kvm, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT));
	WANT_EQ(&v, "KVM_CHECK_EXTENSION(unknown 0x7fff)", 0,
		ioctl(v.kvm, KVM_CHECK_EXTENSION, 0x7fff));
	int slots = ioctl(v.kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	if (slots < VMM_MAX_SLOTS)
		FAIL(&v, "KVM_CHECK_EXTENSION(KVM_CAP_NR_MEMSLOTS): want >= %d, got %d",
		     VMM_MAX_SLOTS, slots);
	int vcpus = ioctl(v.kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (vcpus < 1)
		FAIL(&v, "KVM_CHECK_EXTENSION(KVM_CAP_NR_VCPUS): want >= 1, got %d", vcpus);
	/* The VM fd answers KVM_CHECK_EXTENSION too (KVM_CAP_CHECK_EXTENSION_VM). */
	WANT_EQ(&v, "VM fd KVM_CHECK_EXTENSION(KVM_CAP_USER_MEMORY)", 1,
		ioctl(v.vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	vmm_close(&v);
}
END_TEST

TEST(mmap_size)
{
	struct vmm v;
	VM_OPEN(&v);
	WANT_EQ(&v, "KVM_GET_VCPU_MMAP_SIZE", 12288, ioctl(v.kvm, KVM_GET_VCPU_MMAP_SIZE, 0));
	vmm_close(&v);
}
END_TEST

static void want_seg(struct vmm *v, const char *name, const struct kvm_segment *s,
		     uint16_t sel, uint64_t base, const char *file, int line)
{
	char what[64];
	snprintf(what, sizeof what, "sregs.%s.type", name);
	vmm_want_u64(v, what, strcmp(name, "cs") == 0 ? 0xb : 0x3, s->type, file, line);
	snprintf(what, sizeof what, "sregs.%s.selector", name);
	vmm_want_u64(v, what, sel, s->selector, file, line);
	snprintf(what, sizeof what, "sregs.%s.base", name);
	vmm_want_u64(v, what, base, s->base, file, line);
	snprintf(what, sizeof what, "sregs.%s.limit", name);
	vmm_want_u64(v, what, 0xffff, s->limit, file, line);
	snprintf(what, sizeof what, "sregs.%s.present", name);
	vmm_want_u64(v, what, 1, s->present, file, line);
	snprintf(what, sizeof what, "sregs.%s.s", name);
	vmm_want_u64(v, what, 1, s->s, file, line);
}
#define WANT_SEG(v, name, seg, sel, base) want_seg((v), (name), (seg), (sel), (base), __FILE__, __LINE__)

TEST(reset_regs)
{
	struct vmm v;
	VM_OPEN(&v);
	struct kvm_regs r;
	VM_GET_REGS(&v, &r);
	WANT_EQ(&v, "regs.rip", 0xfff0, r.rip);
	WANT_EQ(&v, "regs.rflags", 0x2, r.rflags);
	WANT_EQ(&v, "regs.rdx", 0x600, r.rdx);
	const struct { const char *name; uint64_t val; } zero[] = {
		{ "rax", r.rax }, { "rbx", r.rbx }, { "rcx", r.rcx }, { "rsi", r.rsi },
		{ "rdi", r.rdi }, { "rsp", r.rsp }, { "rbp", r.rbp }, { "r8", r.r8 },
		{ "r9", r.r9 }, { "r10", r.r10 }, { "r11", r.r11 }, { "r12", r.r12 },
		{ "r13", r.r13 }, { "r14", r.r14 }, { "r15", r.r15 },
	};
	for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++) {
		char what[32];
		snprintf(what, sizeof what, "regs.%s", zero[i].name);
		WANT_EQ(&v, what, 0, zero[i].val);
	}
	vmm_close(&v);
}
END_TEST

TEST(reset_sregs)
{
	struct vmm v;
	VM_OPEN(&v);
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	WANT_SEG(&v, "cs", &s.cs, 0xf000, 0xffff0000);
	WANT_SEG(&v, "ds", &s.ds, 0, 0);
	WANT_SEG(&v, "es", &s.es, 0, 0);
	WANT_SEG(&v, "fs", &s.fs, 0, 0);
	WANT_SEG(&v, "gs", &s.gs, 0, 0);
	WANT_SEG(&v, "ss", &s.ss, 0, 0);
	WANT_EQ(&v, "sregs.cr0", 0x60000010, s.cr0);
	WANT_EQ(&v, "sregs.cr3", 0, s.cr3);
	WANT_EQ(&v, "sregs.cr4", 0, s.cr4);
	WANT_EQ(&v, "sregs.efer", 0, s.efer);
	WANT_EQ(&v, "sregs.idt.base", 0, s.idt.base);
	WANT_EQ(&v, "sregs.idt.limit", 0xffff, s.idt.limit);
	WANT_EQ(&v, "sregs.gdt.base", 0, s.gdt.base);
	WANT_EQ(&v, "sregs.gdt.limit", 0xffff, s.gdt.limit);
	vmm_close(&v);
}
END_TEST

TEST(set_regs_forces_rflags_bit1)
{
	struct vmm v;
	VM_OPEN(&v);
	struct kvm_regs r;
	VM_GET_REGS(&v, &r);
	r.rflags = 0;
	r.rax = 0x1234;
	VM_SET_REGS(&v, &r);
	VM_GET_REGS(&v, &r);
	WANT_EQ(&v, "regs.rflags after KVM_SET_REGS(rflags=0)", 0x2, r.rflags);
	WANT_EQ(&v, "regs.rax after KVM_SET_REGS", 0x1234, r.rax);
	vmm_close(&v);
}
END_TEST

TEST(create_vcpu_twice)
{
	struct vmm v;
	VM_OPEN(&v);
	errno = 0;
	int fd = ioctl(v.vm, KVM_CREATE_VCPU, 0UL);
	WANT_EQ(&v, "second KVM_CREATE_VCPU(0) result", -1, fd);
	WANT_EQ(&v, "second KVM_CREATE_VCPU(0) errno (EEXIST)", EEXIST, errno);
	vmm_close(&v);
}
END_TEST

/* An ioctl number nobody defines: _IO(KVMIO, 0xff). */
#define KVM_BOGUS _IO(KVMIO, 0xff)

TEST(unknown_ioctl)
{
	struct vmm v;
	VM_OPEN(&v);
	errno = 0;
	WANT_EQ(&v, "/dev/kvm fd unknown ioctl result", -1, ioctl(v.kvm, KVM_BOGUS, 0UL));
	WANT_EQ(&v, "/dev/kvm fd unknown ioctl errno (EINVAL)", EINVAL, errno);
	errno = 0;
	WANT_EQ(&v, "VM fd unknown ioctl result", -1, ioctl(v.vm, KVM_BOGUS, 0UL));
	WANT_EQ(&v, "VM fd unknown ioctl errno (ENOTTY)", ENOTTY, errno);
	errno = 0;
	WANT_EQ(&v, "vCPU fd unknown ioctl result", -1, ioctl(v.vcpu, KVM_BOGUS, 0UL));
	WANT_EQ(&v, "vCPU fd unknown ioctl errno (EINVAL)", EINVAL, errno);
	vmm_close(&v);
}
END_TEST
