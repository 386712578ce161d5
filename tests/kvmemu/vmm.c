/* vmm.c - the tiny test VMM (see vmm.h). */
#include "vmm.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

int vmm_standalone;

int vmm_backend_is_emu(void)
{
	const char *b = getenv("VIRTLAB_BACKEND");
	return b && strcmp(b, "emu") == 0;
}

int vmm_kvm_is_pvm(void)
{
	return !vmm_backend_is_emu() && access("/sys/module/kvm_pvm", F_OK) == 0;
}

int vmm_kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int ok = ioctl(fd, KVM_GET_API_VERSION, 0) == 12;
	close(fd);
	return ok;
}

const char *vmm_bindir(void)
{
	static char dir[4096];
	if (!dir[0]) {
		ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
		if (n <= 0) {
			strcpy(dir, ".");
		} else {
			dir[n] = 0;
			char *slash = strrchr(dir, '/');
			if (slash)
				*slash = 0;
		}
	}
	return dir;
}

const char *vmm_test_name(const char *func)
{
	/* Check's START_TEST(x) defines x_fn; show "x". */
	static __thread char name[128];
	snprintf(name, sizeof name, "%s", func);
	size_t n = strlen(name);
	if (n > 3 && strcmp(name + n - 3, "_fn") == 0)
		name[n - 3] = 0;
	return name;
}

static const char *base(const char *file)
{
	const char *s = strrchr(file, '/');
	return s ? s + 1 : file;
}

void vmm_fail(struct vmm *v, const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	char where[128] = "";
	struct kvm_regs r;
	if (v && v->vcpu >= 0 && ioctl(v->vcpu, KVM_GET_REGS, &r) == 0)
		snprintf(where, sizeof where, " at rip 0x%llx", (unsigned long long)r.rip);
	if (vmm_standalone) {
		fprintf(stderr, "%s: %s%s [%s:%d]\n", v && v->test ? v->test : "?", msg, where,
			base(file), line);
		exit(1);
	}
	/* Reported at the caller's file:line (not this one). */
	_ck_assert_failed(file, line, "Failed", "%s: %s%s [%s:%d]",
			  v && v->test ? v->test : "?", msg, where, base(file), line);
	abort(); /* not reached */
}

const char *vmm_exit_name(uint32_t reason)
{
	static const char *names[] = {
		[KVM_EXIT_UNKNOWN] = "KVM_EXIT_UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "KVM_EXIT_EXCEPTION",
		[KVM_EXIT_IO] = "KVM_EXIT_IO",
		[KVM_EXIT_HYPERCALL] = "KVM_EXIT_HYPERCALL",
		[KVM_EXIT_DEBUG] = "KVM_EXIT_DEBUG",
		[KVM_EXIT_HLT] = "KVM_EXIT_HLT",
		[KVM_EXIT_MMIO] = "KVM_EXIT_MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "KVM_EXIT_IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "KVM_EXIT_SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "KVM_EXIT_FAIL_ENTRY",
		[KVM_EXIT_INTR] = "KVM_EXIT_INTR",
		[KVM_EXIT_SET_TPR] = "KVM_EXIT_SET_TPR",
		[KVM_EXIT_TPR_ACCESS] = "KVM_EXIT_TPR_ACCESS",
		[KVM_EXIT_INTERNAL_ERROR] = "KVM_EXIT_INTERNAL_ERROR",
	};
	if (reason < sizeof names / sizeof names[0] && names[reason])
		return names[reason];
	return "?";
}

void vmm_want_u64(struct vmm *v, const char *what, uint64_t want, uint64_t got,
		  const char *file, int line)
{
	if (want != got)
		vmm_fail(v, file, line, "%s: want 0x%llx (%llu), got 0x%llx (%llu)", what,
			 (unsigned long long)want, (unsigned long long)want,
			 (unsigned long long)got, (unsigned long long)got);
}

void vmm_want_exit(struct vmm *v, uint32_t want, const char *file, int line)
{
	uint32_t got = v->run->exit_reason;
	if (got == want)
		return;
	char extra[256] = "";
	if (got == KVM_EXIT_IO)
		snprintf(extra, sizeof extra, " (io: direction %u size %u port 0x%x count %u)",
			 v->run->io.direction, v->run->io.size, v->run->io.port,
			 v->run->io.count);
	else if (got == KVM_EXIT_MMIO)
		snprintf(extra, sizeof extra, " (mmio: phys_addr 0x%llx len %u is_write %u)",
			 (unsigned long long)v->run->mmio.phys_addr, v->run->mmio.len,
			 v->run->mmio.is_write);
	else if (got == KVM_EXIT_INTERNAL_ERROR)
		snprintf(extra, sizeof extra, " (suberror %u)", v->run->internal.suberror);
	vmm_fail(v, file, line, "exit_reason: want %u (%s), got %u (%s)%s", want,
		 vmm_exit_name(want), got, vmm_exit_name(got), extra);
}

void vmm_want_io(struct vmm *v, int dir, int size, int port, uint32_t count,
		 const char *file, int line)
{
	vmm_want_exit(v, KVM_EXIT_IO, file, line);
	const struct kvm_run *r = v->run;
	if (r->io.direction != dir)
		vmm_fail(v, file, line, "io.direction: want %d (%s), got %u", dir,
			 dir ? "KVM_EXIT_IO_OUT" : "KVM_EXIT_IO_IN", r->io.direction);
	vmm_want_u64(v, "io.size", size, r->io.size, file, line);
	vmm_want_u64(v, "io.port", port, r->io.port, file, line);
	vmm_want_u64(v, "io.count", count, r->io.count, file, line);
	vmm_want_u64(v, "io.data_offset", 4096, r->io.data_offset, file, line);
}

void vmm_want_bytes(struct vmm *v, const char *what, const void *want, const void *got,
		    size_t n, const char *file, int line)
{
	const uint8_t *a = want, *b = got;
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			vmm_fail(v, file, line, "%s[%zu] (of %zu bytes): want 0x%02x, got 0x%02x",
				 what, i, n, a[i], b[i]);
}

/* /dev/kvm and the VM, no vCPU. */
static void open_vm(struct vmm *v, const char *test, const char *file, int line)
{
	memset(v, 0, sizeof *v);
	v->kvm = v->vm = v->vcpu = -1;
	v->test = test;
	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		vmm_fail(v, file, line, "open /dev/kvm: %s", strerror(errno));
	int api = ioctl(v->kvm, KVM_GET_API_VERSION, 0);
	if (api != 12)
		vmm_fail(v, file, line, "KVM_GET_API_VERSION: want 12, got %d", api);
	v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0UL);
	if (v->vm < 0)
		vmm_fail(v, file, line, "KVM_CREATE_VM: %s", strerror(errno));
}

void vmm_open(struct vmm *v, const char *test, const char *file, int line)
{
	open_vm(v, test, file, line);
	vmm_add_vcpu(v, file, line);
}

void vmm_open_irqchip(struct vmm *v, const char *test, const char *file, int line)
{
	open_vm(v, test, file, line);
	if (ioctl(v->vm, KVM_CREATE_IRQCHIP, 0) != 0)
		vmm_fail(v, file, line, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
	vmm_add_vcpu(v, file, line);
}

void vmm_add_vcpu(struct vmm *v, const char *file, int line)
{
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0UL);
	if (v->vcpu < 0)
		vmm_fail(v, file, line, "KVM_CREATE_VCPU: %s", strerror(errno));
	int sz = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < (int)sizeof(struct kvm_run))
		vmm_fail(v, file, line, "KVM_GET_VCPU_MMAP_SIZE: got %d", sz);
	v->run_size = sz;
	v->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED)
		vmm_fail(v, file, line, "mmap kvm_run: %s", strerror(errno));
}

uint8_t *vmm_slot(struct vmm *v, int slot, uint64_t gpa, uint64_t size,
		  const char *file, int line)
{
	struct vmm_slot *s = &v->slot[slot];
	uint8_t *mem = NULL;
	if (size) {
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			vmm_fail(v, file, line, "mmap %llu bytes: %s", (unsigned long long)size,
				 strerror(errno));
	}
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)mem,
	};
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		vmm_fail(v, file, line, "KVM_SET_USER_MEMORY_REGION slot %d gpa 0x%llx size 0x%llx: %s",
			 slot, (unsigned long long)gpa, (unsigned long long)size, strerror(errno));
	if (s->hva)
		munmap(s->hva, s->size);
	s->gpa = gpa;
	s->size = size;
	s->hva = mem;
	return mem;
}

uint8_t *vmm_hva(struct vmm *v, uint64_t gpa)
{
	for (int i = 0; i < VMM_MAX_SLOTS; i++) {
		struct vmm_slot *s = &v->slot[i];
		if (s->hva && gpa >= s->gpa && gpa < s->gpa + s->size)
			return s->hva + (gpa - s->gpa);
	}
	return NULL;
}

void vmm_load(struct vmm *v, const char *name, uint64_t gpa, const char *file, int line)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s.bin", vmm_bindir(), name);
	FILE *f = fopen(path, "rb");
	if (!f)
		vmm_fail(v, file, line, "guest image %s: %s", path, strerror(errno));
	uint8_t buf[65536];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	uint8_t *dst = vmm_hva(v, gpa);
	if (!dst || !vmm_hva(v, gpa + n - 1))
		vmm_fail(v, file, line, "guest image %s (%zu bytes) doesn't fit at 0x%llx", path, n,
			 (unsigned long long)gpa);
	memcpy(dst, buf, n);
}

void vmm_real_mode(struct vmm *v, uint64_t rip, const char *file, int line)
{
	struct kvm_sregs s;
	vmm_get_sregs(v, &s, file, line);
	struct kvm_segment *segs[] = { &s.cs, &s.ds, &s.es, &s.ss };
	for (size_t i = 0; i < sizeof segs / sizeof segs[0]; i++) {
		segs[i]->selector = 0;
		segs[i]->base = 0;
	}
	vmm_set_sregs(v, &s, file, line);
	struct kvm_regs r = { .rip = rip, .rsp = 0xfff0, .rflags = 2 };
	vmm_set_regs(v, &r, file, line);
}

void vmm_close(struct vmm *v)
{
	for (int i = 0; i < VMM_MAX_SLOTS; i++)
		if (v->slot[i].hva)
			munmap(v->slot[i].hva, v->slot[i].size);
	if (v->run && v->run != MAP_FAILED)
		munmap(v->run, v->run_size);
	if (v->vcpu >= 0)
		close(v->vcpu);
	if (v->vm >= 0)
		close(v->vm);
	if (v->kvm >= 0)
		close(v->kvm);
	memset(v, 0, sizeof *v);
	v->kvm = v->vm = v->vcpu = -1;
}

int vmm_run_raw(struct vmm *v)
{
	return ioctl(v->vcpu, KVM_RUN, 0UL);
}

void vmm_run(struct vmm *v, const char *file, int line)
{
	if (vmm_run_raw(v) < 0) {
		int e = errno;
		vmm_fail(v, file, line, "KVM_RUN: want 0, got -1 (%s), exit_reason %u (%s)",
			 strerror(e), v->run->exit_reason, vmm_exit_name(v->run->exit_reason));
	}
}

void vmm_get_regs(struct vmm *v, struct kvm_regs *r, const char *file, int line)
{
	if (ioctl(v->vcpu, KVM_GET_REGS, r) < 0)
		vmm_fail(v, file, line, "KVM_GET_REGS: %s", strerror(errno));
}

void vmm_set_regs(struct vmm *v, const struct kvm_regs *r, const char *file, int line)
{
	if (ioctl(v->vcpu, KVM_SET_REGS, r) < 0)
		vmm_fail(v, file, line, "KVM_SET_REGS: %s", strerror(errno));
}

void vmm_get_sregs(struct vmm *v, struct kvm_sregs *s, const char *file, int line)
{
	if (ioctl(v->vcpu, KVM_GET_SREGS, s) < 0)
		vmm_fail(v, file, line, "KVM_GET_SREGS: %s", strerror(errno));
}

void vmm_set_sregs(struct vmm *v, const struct kvm_sregs *s, const char *file, int line)
{
	if (ioctl(v->vcpu, KVM_SET_SREGS, s) < 0)
		vmm_fail(v, file, line, "KVM_SET_SREGS: %s", strerror(errno));
}

uint64_t vmm_rip(struct vmm *v)
{
	struct kvm_regs r;
	if (ioctl(v->vcpu, KVM_GET_REGS, &r) < 0)
		return ~0ULL;
	return r.rip;
}
