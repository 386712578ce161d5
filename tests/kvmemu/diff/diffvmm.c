/* diffvmm.c - the differential harness's KVM client: runs long-mode guests on
 * whatever /dev/kvm it gets (real KVM, or kvmemu under scripts/kvm-emu) and
 * prints a canonical trace of everything user space can observe.
 *
 *   diffvmm [NAME=]GUEST.bin ...      (NAME defaults to GUEST's base name)
 *
 * Every guest runs in a fresh VM on the fixed machine of machine.inc (the
 * guests' half of the contract; keep the two in step):
 *   slot 0  RAM        0x000000-0x200000  dirty-logged; page tables, code at 0x10000
 *   slot 1  RAM        0x200000-0x400000  dirty-logged; a byte pattern
 *   slot 2  ROM        0x400000-0x410000  KVM_MEM_READONLY; a byte pattern
 *   MMIO   (no slot)   0x410000-0x600000 and 0xd0000000-0xd0200000
 * Long mode is set by KVM_SET_SREGS (no GDT in memory: the guest installs its
 * own GDT, IDT and TSS; with machine.inc's RESET_SEGMENTS flag only CS.L is
 * set on the reset segments); identity-mapped 4 KiB pages below 4 MiB (PT0/PT1), 2 MiB
 * pages above, up to 1 GiB, and 0xc0000000-0xffffffff.
 *
 * The trace (one line per item; compare.py reads it):
 *   case NAME
 *   ioctl NAME RESULT                 every setup ioctl, "0" or "-1 ERRNO"
 *   exit N REASON field=value ...     the exit's fields
 *   state N reg=value ...             GET_REGS/GET_SREGS: at exit 0 every
 *                                     field, then only those that changed
 *   end REASON                        why the run stopped
 *   dirty SLOT GPA,GPA,...            KVM_GET_DIRTY_LOG (each dirty page's address)
 *   mem SLOT 0xGPA HASH               each page whose bytes differ from the load
 * User space answers IN and MMIO reads with bytes derived from the address,
 * so both backends see the same data. The run stops at HLT, SHUTDOWN,
 * INTERNAL_ERROR, FAIL_ENTRY, a failed KVM_RUN, MAX_EXITS exits, or after
 * TIMEOUT_S seconds (a signal makes KVM_RUN fail with EINTR).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/kvm.h>

#define CLIENT_NAME "diffvmm"
#include "client.h"

/* Deterministic bytes user space gives the guest for IN and MMIO reads. */
static uint8_t answer(uint64_t addr, unsigned i)
{
	uint64_t x = (addr + i) * 0x9e3779b97f4a7c15ull;
	return (uint8_t)(x >> 56);
}

#define MAX_EXITS  4000
#define TIMEOUT_S  20
#define CODE_GPA   0x10000
#define CODE_MAX   (0x200000 - CODE_GPA)

/* The page tables (guest-physical; machine.inc names them too). */
#define PML4_GPA   0x1000
#define PDPT_GPA   0x2000
#define PD0_GPA    0x3000	/* 0-1 GiB */
#define PT0_GPA    0x4000	/* 0-2 MiB, 4 KiB pages */
#define PT1_GPA    0x5000	/* 2-4 MiB, 4 KiB pages */
#define PD3_GPA    0x6000	/* 3-4 GiB */

/* x86 bits the setup spells (SDM vol. 3, 2.5 and 4.5). */
#define PTE_P   0x1ull
#define PTE_W   0x2ull
#define PTE_U   0x4ull
#define PTE_PS  0x80ull
#define CR0_PE  0x1ull
#define CR0_MP  0x2ull
#define CR0_ET  0x10ull
#define CR0_NE  0x20ull
#define CR0_WP  0x10000ull
#define CR0_PG  0x80000000ull
#define CR4_PAE 0x20ull
#define CR4_OSFXSR 0x200ull
#define CR4_OSXMMEXCPT 0x400ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull
#define EFER_NXE 0x800ull

struct slot {
	uint64_t gpa, size;
	uint32_t flags;
	uint8_t *hva, *init;	/* memory, and a copy as loaded */
};

static const struct slot layout[] = {
	{ 0x000000, 0x200000, KVM_MEM_LOG_DIRTY_PAGES, 0, 0 },
	{ 0x200000, 0x200000, KVM_MEM_LOG_DIRTY_PAGES, 0, 0 },
	{ 0x400000, 0x010000, KVM_MEM_READONLY, 0, 0 },
};
#define NSLOTS (int)(sizeof layout / sizeof layout[0])

struct vm {
	int kvm, fd, vcpu;
	struct kvm_run *run;
	size_t run_size;
	struct slot slot[NSLOTS];
};

/* ---- the machine ---- */

static void page_tables(uint8_t *ram)
{
	uint64_t *pml4 = (uint64_t *)(ram + PML4_GPA), *pdpt = (uint64_t *)(ram + PDPT_GPA);
	uint64_t *pd0 = (uint64_t *)(ram + PD0_GPA), *pd3 = (uint64_t *)(ram + PD3_GPA);
	uint64_t *pt0 = (uint64_t *)(ram + PT0_GPA), *pt1 = (uint64_t *)(ram + PT1_GPA);

	/* U/S on the upper levels: the leaf decides (SMAP/SMEP tests set it). */
	pml4[0] = PDPT_GPA | PTE_P | PTE_W | PTE_U;
	pdpt[0] = PD0_GPA | PTE_P | PTE_W | PTE_U;
	pdpt[3] = PD3_GPA | PTE_P | PTE_W | PTE_U;
	pd0[0] = PT0_GPA | PTE_P | PTE_W | PTE_U;
	pd0[1] = PT1_GPA | PTE_P | PTE_W | PTE_U;
	for (int i = 2; i < 512; i++)
		pd0[i] = ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_PS;
	for (int i = 0; i < 512; i++) {
		pt0[i] = ((uint64_t)i << 12) | PTE_P | PTE_W;
		pt1[i] = (0x200000 + ((uint64_t)i << 12)) | PTE_P | PTE_W;
		pd3[i] = (0xc0000000ull + ((uint64_t)i << 21)) | PTE_P | PTE_W | PTE_PS;
	}
	pt0[0] = 0;	/* page 0 not present: null pointers fault */
}

static void load(struct vm *v, const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die("%s: %s", path, strerror(errno));
	if (st.st_size > CODE_MAX)
		die("%s: larger than %#x bytes", path, CODE_MAX);
	uint8_t *dst = v->slot[0].hva + CODE_GPA;
	for (off_t got = 0; got < st.st_size;) {
		ssize_t n = read(fd, dst + got, (size_t)(st.st_size - got));
		if (n <= 0)
			die("%s: short read", path);
		got += n;
	}
	close(fd);
}

static void slots(struct vm *v)
{
	for (int i = 0; i < NSLOTS; i++) {
		struct slot *s = &v->slot[i];
		*s = layout[i];
		s->hva = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		s->init = malloc(s->size);
		if (s->hva == MAP_FAILED || !s->init)
			die("out of memory");
		if (i > 0)
			for (uint64_t j = 0; j < s->size; j++)
				s->hva[j] = (uint8_t)(j * 7 + (j >> 12) + i);
	}
}

static void map_slots(struct vm *v)
{
	for (int i = 0; i < NSLOTS; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = (uint32_t)i, .flags = v->slot[i].flags, .guest_phys_addr = v->slot[i].gpa,
			.memory_size = v->slot[i].size, .userspace_addr = (uintptr_t)v->slot[i].hva,
		};
		traced(v->fd, KVM_SET_USER_MEMORY_REGION, &r, "SET_USER_MEMORY_REGION");
		memcpy(v->slot[i].init, v->slot[i].hva, v->slot[i].size);
	}
}

/* A fixed CPUID (not the host's: both backends must show the guest the same
 * one): long mode, NX, SSE2, FXSR, XSAVE (x87|SSE), SMEP, SMAP, 40-bit
 * physical addresses. */
static void cpuid(struct vm *v)
{
	static const struct { uint32_t fn, a, b, c, d; } leaf[] = {
		{ 0x0, 0xd, 0x68747541, 0x444d4163, 0x69746e65 },	/* "AuthenticAMD" */
		{ 0x1, 0x00000f61, 0x00000800, 0x04800001, 0x078bfbff },	/* + XSAVE */
		{ 0x7, 0, (1u << 7) | (1u << 20), 0, 0 },		/* SMEP, SMAP */
		/* x87|SSE; EBX (size for XCR0) deliberately wrong: KVM rewrites it */
		{ 0xd, 0x3, 0x1000, 0x240, 0 },
		{ 0x80000000, 0x80000008, 0x68747541, 0x444d4163, 0x69746e65 },
		{ 0x80000001, 0x00000f61, 0, 0x00000001, 0x2bd3fbff },
		{ 0x80000008, 0x00003028, 0, 0, 0 },
	};
	enum { N = sizeof leaf / sizeof leaf[0] };
	struct { struct kvm_cpuid2 h; struct kvm_cpuid_entry2 e[N]; } c;
	memset(&c, 0, sizeof c);
	c.h.nent = N;
	for (int i = 0; i < N; i++) {
		c.e[i].function = leaf[i].fn;
		c.e[i].flags = leaf[i].fn == 0xd || leaf[i].fn == 0x7 ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
		c.e[i].eax = leaf[i].a, c.e[i].ebx = leaf[i].b;
		c.e[i].ecx = leaf[i].c, c.e[i].edx = leaf[i].d;
	}
	traced(v->vcpu, KVM_SET_CPUID2, &c, "SET_CPUID2");
}

/* machine.inc's MACHINE_FLAGS, a dword at CODE_GPA + 2. */
#define RESET_SEGMENTS 1	/* keep the reset segments, set only CS.L (a mem_lab VMM's shortcut) */
#define CS_L_AND_DB    2	/* CS.DB = 1 with CS.L = 1: state VM entry refuses (SVM: VMRUN's checks) */
#define SS_DPL3        4	/* SS.DPL 3 with a DPL-0 CS (SVM takes the CPL from SS.DPL) */

static void long_mode(struct vm *v)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	uint32_t flags;
	memcpy(&flags, v->slot[0].hva + CODE_GPA + 2, sizeof flags);
	traced(v->vcpu, KVM_GET_SREGS, &s, "GET_SREGS");
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 0xb, .present = 1,
		.dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = code;
	data.selector = 0x10, data.type = 0x3, data.l = 0, data.db = 1;
	if (flags & RESET_SEGMENTS) {
		s.cs.l = 1, s.cs.db = 0;
	} else {
		s.cs = code;
		s.ds = s.es = s.fs = s.gs = s.ss = data;
	}
	if (flags & CS_L_AND_DB)
		s.cs.db = 1;
	if (flags & SS_DPL3)
		s.ss.dpl = 3;
	/* TR and LDTR explicit: their reset types differ between VMX (TR 0xb)
	 * and SVM (TR 3, init_vmcb), both upstream. */
	s.tr = (struct kvm_segment){ .limit = 0xffff, .type = 0xb, .present = 1 };
	s.ldt = (struct kvm_segment){ .limit = 0xffff, .type = 0x2, .present = 1 };
	s.cr3 = PML4_GPA;
	s.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s.efer = EFER_LME | EFER_LMA | EFER_NXE;
	traced(v->vcpu, KVM_SET_SREGS, &s, "SET_SREGS");
	memset(&r, 0, sizeof r);
	r.rip = CODE_GPA;
	r.rsp = 0x80000;
	r.rflags = 0x2;
	traced(v->vcpu, KVM_SET_REGS, &r, "SET_REGS");
}

static void vm_open(struct vm *v)
{
	memset(v, 0, sizeof *v);
	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		die("/dev/kvm: %s", strerror(errno));
	if (ioctl(v->kvm, KVM_GET_API_VERSION, 0) != 12)
		die("/dev/kvm: KVM_GET_API_VERSION is not 12");
	v->fd = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->fd < 0)
		die("KVM_CREATE_VM: %s", strerror(errno));
	traced(v->fd, KVM_SET_TSS_ADDR, (void *)0xfffbd000ul, "SET_TSS_ADDR");
	v->vcpu = ioctl(v->fd, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		die("KVM_CREATE_VCPU: %s", strerror(errno));
	int sz = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	v->run_size = (size_t)sz;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED)
		die("mmap kvm_run: %s", strerror(errno));
}

static void vm_close(struct vm *v)
{
	munmap(v->run, v->run_size);
	for (int i = 0; i < NSLOTS; i++) {
		munmap(v->slot[i].hva, v->slot[i].size);
		free(v->slot[i].init);
	}
	close(v->vcpu);
	close(v->fd);
	close(v->kvm);
}

/* ---- the trace of the state: every field once, then what changed ---- */

#define NFIELDS 160
struct fields {
	int n;
	char name[NFIELDS][24];
	uint64_t val[NFIELDS];
};

static void put(struct fields *f, const char *name, uint64_t val)
{
	if (f->n == NFIELDS)
		die("too many fields");
	snprintf(f->name[f->n], sizeof f->name[0], "%s", name);
	f->val[f->n++] = val;
}

static void put_seg(struct fields *f, const char *seg, const struct kvm_segment *s)
{
	char n[24];
#define SEGF(field) snprintf(n, sizeof n, "%s.%s", seg, #field), put(f, n, s->field)
	SEGF(base); SEGF(limit); SEGF(selector); SEGF(type); SEGF(present); SEGF(dpl);
	SEGF(db); SEGF(s); SEGF(l); SEGF(g); SEGF(avl); SEGF(unusable);
#undef SEGF
}

static void snapshot(struct vm *v, struct fields *f)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	f->n = 0;
	if (ioctl(v->vcpu, KVM_GET_REGS, &r) < 0 || ioctl(v->vcpu, KVM_GET_SREGS, &s) < 0) {
		put(f, "get_regs_errno", (uint64_t)errno);
		return;
	}
#define R(x) put(f, #x, r.x)
	R(rax); R(rbx); R(rcx); R(rdx); R(rsi); R(rdi); R(rsp); R(rbp);
	R(r8); R(r9); R(r10); R(r11); R(r12); R(r13); R(r14); R(r15); R(rip); R(rflags);
#undef R
	put_seg(f, "cs", &s.cs); put_seg(f, "ds", &s.ds); put_seg(f, "es", &s.es);
	put_seg(f, "fs", &s.fs); put_seg(f, "gs", &s.gs); put_seg(f, "ss", &s.ss);
	put_seg(f, "tr", &s.tr); put_seg(f, "ldt", &s.ldt);
	put(f, "gdt.base", s.gdt.base); put(f, "gdt.limit", s.gdt.limit);
	put(f, "idt.base", s.idt.base); put(f, "idt.limit", s.idt.limit);
	put(f, "cr0", s.cr0); put(f, "cr2", s.cr2); put(f, "cr3", s.cr3);
	put(f, "cr4", s.cr4); put(f, "cr8", s.cr8); put(f, "efer", s.efer);
	put(f, "apic_base", s.apic_base);
	for (int i = 0; i < 4; i++) {
		char n[24];
		snprintf(n, sizeof n, "intr_bitmap%d", i);
		put(f, n, s.interrupt_bitmap[i]);
	}
}

static void print_state(int nexit, struct fields *now, struct fields *before)
{
	printf("state %d", nexit);
	for (int i = 0; i < now->n; i++)
		if (!before || i >= before->n || before->val[i] != now->val[i] ||
		    strcmp(before->name[i], now->name[i]))
			printf(" %s=%#" PRIx64, now->name[i], now->val[i]);
	putchar('\n');
}

/* ---- the run ---- */

static const char *reason_name(uint32_t r)
{
	static const char *names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN", [KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO", [KVM_EXIT_HYPERCALL] = "HYPERCALL", [KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT", [KVM_EXIT_MMIO] = "MMIO", [KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN", [KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY", [KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR", [KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	};
	return r < sizeof names / sizeof names[0] && names[r] ? names[r] : "OTHER";
}

static void hex(const uint8_t *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		printf("%02x", p[i]);
}

/* Prints the exit's fields and answers reads; returns 0 to go on. */
static int handle_exit(struct vm *v, int nexit)
{
	struct kvm_run *run = v->run;
	printf("exit %d %s", nexit, reason_name(run->exit_reason));
	switch (run->exit_reason) {
	case KVM_EXIT_IO: {
		uint8_t *data = (uint8_t *)run + run->io.data_offset;
		unsigned n = run->io.size * run->io.count;
		printf(" dir=%u size=%u port=%#x count=%u data_offset=%#llx",
		       run->io.direction, run->io.size, run->io.port, run->io.count,
		       (unsigned long long)run->io.data_offset);
		if (run->io.data_offset + n > v->run_size)
			return printf(" data=outside\n"), 1;
		if (run->io.direction == KVM_EXIT_IO_OUT) {
			printf(" data=");
			hex(data, n);
		} else {
			for (unsigned i = 0; i < n; i++)
				data[i] = answer(run->io.port, i);
		}
		putchar('\n');
		return 0;
	}
	case KVM_EXIT_MMIO:
		printf(" phys=%#llx len=%u is_write=%u", (unsigned long long)run->mmio.phys_addr,
		       run->mmio.len, run->mmio.is_write);
		if (run->mmio.len > 8)
			return printf(" len>8\n"), 1;
		if (run->mmio.is_write) {
			printf(" data=");
			hex(run->mmio.data, run->mmio.len);
		} else {
			for (unsigned i = 0; i < run->mmio.len; i++)
				run->mmio.data[i] = answer(run->mmio.phys_addr, i);
		}
		putchar('\n');
		return 0;
	case KVM_EXIT_INTERNAL_ERROR:
		printf(" suberror=%u\n", run->internal.suberror);
		return 1;
	case KVM_EXIT_FAIL_ENTRY:
		printf(" reason=%#llx\n", (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return 1;
	default:
		putchar('\n');
		return 1;
	}
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void run(struct vm *v)
{
	struct fields a, b, *now = &a, *before = NULL;
	int nexit;
	for (nexit = 0; nexit < MAX_EXITS; nexit++) {
		alarm(TIMEOUT_S);
		int r = ioctl(v->vcpu, KVM_RUN, 0);
		int e = errno;
		alarm(0);
		if (r < 0) {
			printf("end KVM_RUN -1 %s\n", strerrorname_np(e) ? strerrorname_np(e) : "?");
			return;
		}
		int stop = handle_exit(v, nexit);
		snapshot(v, now);
		print_state(nexit, now, before);
		before = now;
		now = now == &a ? &b : &a;
		if (stop) {
			printf("end %s\n", reason_name(v->run->exit_reason));
			return;
		}
	}
	printf("end max_exits\n");
}

static void memory(struct vm *v)
{
	for (int i = 0; i < NSLOTS; i++) {
		struct slot *s = &v->slot[i];
		uint64_t bitmap[0x200000 / 4096 / 64] = { 0 };
		struct kvm_dirty_log log = { .slot = (uint32_t)i, .dirty_bitmap = bitmap };
		if (s->flags & KVM_MEM_LOG_DIRTY_PAGES) {
			printf("dirty %d", i);
			if (ioctl(v->fd, KVM_GET_DIRTY_LOG, &log) < 0)
				printf(" -1 %s", strerrorname_np(errno));
			const char *sep = " ";
			for (uint64_t p = 0; p < s->size / 4096; p++)
				if (bitmap[p / 64] >> (p % 64) & 1)
					printf("%s%#" PRIx64, sep, s->gpa + p * 4096), sep = ",";
			putchar('\n');
		}
		for (uint64_t off = 0; off < s->size; off += 4096)
			if (memcmp(s->hva + off, s->init + off, 4096))
				printf("mem %d %#" PRIx64 " %016" PRIx64 "\n", i, s->gpa + off,
				       fnv1a(s->hva + off, 4096));
	}
}

static void one(const char *name, const char *path)
{
	struct vm v;
	printf("case %s\n", name);
	vm_open(&v);
	slots(&v);
	page_tables(v.slot[0].hva);
	load(&v, path);
	map_slots(&v);
	cpuid(&v);
	long_mode(&v);
	run(&v);
	memory(&v);
	vm_close(&v);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (argc < 2)
		die("usage: diffvmm [NAME=]GUEST.bin ...");
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '='), *name = argv[i], *path = argv[i];
		if (eq)
			*eq = 0, path = eq + 1;
		else {
			char *slash = strrchr(path, '/'), *dot;
			if (!(name = strdup(slash ? slash + 1 : path)))
				die("out of memory");
			if ((dot = strrchr(name, '.')))
				*dot = 0;
		}
		one(name, path);
	}
	return 0;
}
