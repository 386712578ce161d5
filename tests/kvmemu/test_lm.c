/* test_lm.c - long mode as KVM runs it: segments in 64-bit mode, exception
 * delivery in any state, and the departures issue 21 listed. Each test pins
 * a fact of upstream KVM (arch/x86/kvm) or of the CPU it virtualizes (SDM).
 *
 * The guests (guests/lm_*.asm) share one layout: one slot of RAM 0..1 MiB;
 * 4-level tables at 0x10000 mapping virtual 0..2 MiB onto physical 0..2 MiB
 * with 4 KiB user-accessible pages (so 1..2 MiB is MMIO: no slot); a GDT at
 * 0x2800 (0x08 64-bit code, 0x10 data, 0x1b/0x23 the same at DPL 3); a TSS
 * at 0x4000 with RSP0 0xa000; an IDT at 0x3000 whose 32 gates point at
 * lm_idt.inc's handlers (0x1800 + 16 * vector), which report each event with
 * five `out 0xe9` exits (struct event below). */
#include "tests.h"
#include "check_decl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <stdbool.h>
#include <sys/mman.h>

CHECK_SUITE("longmode", "longmode", NULL, NULL, 0);

#define PTE_RW 7ull               /* present, writable, user */
#define PML4   0x10000ull
#define PT     0x13000ull         /* the 4 KiB page table of virtual 0..2 MiB */
#define STACK  0x9000ull

static void put64(struct vmm *v, uint64_t gpa, uint64_t val)
{
	memcpy(vmm_hva(v, gpa), &val, 8);
}

/* A slot created with flags (KVM_MEM_READONLY can't be added later). */
static uint8_t *slot_flags(struct vmm *v, int slot, uint64_t gpa, uint64_t size, uint32_t flags,
			   const char *file, int line)
{
	uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		vmm_fail(v, file, line, "mmap: %s", strerror(errno));
	struct kvm_userspace_memory_region r = { .slot = (uint32_t)slot, .flags = flags,
		.guest_phys_addr = gpa, .memory_size = size, .userspace_addr = (uintptr_t)mem };
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		vmm_fail(v, file, line, "KVM_SET_USER_MEMORY_REGION slot %d flags 0x%x: %s", slot,
			 flags, strerror(errno));
	v->slot[slot] = (struct vmm_slot){ gpa, size, mem };
	return mem;
}
#define SLOT_FLAGS(v, s, gpa, size, fl) slot_flags((v), (s), (gpa), (size), (fl), __FILE__, __LINE__)

/* The 64-bit code segment (selector 0x08) and data segment (0x10), as
 * KVM_SET_SREGS takes them. */
static const struct kvm_segment code64 = { .limit = 0xffffffff, .selector = 8, .type = 11,
					   .present = 1, .s = 1, .l = 1, .g = 1 };
static const struct kvm_segment data64 = { .limit = 0xffffffff, .selector = 0x10, .type = 3,
					   .present = 1, .s = 1, .db = 1, .g = 1 };

/* The tables and descriptors of the layout above, in guest memory. */
static void lm_memory(struct vmm *v)
{
	put64(v, PML4, 0x11000 | PTE_RW);
	put64(v, 0x11000, 0x12000 | PTE_RW);
	put64(v, 0x12000, PT | PTE_RW);
	for (uint64_t i = 0; i < 512; i++)
		put64(v, PT + i * 8, i << 12 | PTE_RW);
	put64(v, 0x2800, 0);
	put64(v, 0x2808, 0x00209b0000000000ull);          /* 0x08: code, L=1 */
	put64(v, 0x2810, 0x00cf93000000ffffull);          /* 0x10: data */
	put64(v, 0x2818, 0x0020fb0000000000ull);          /* 0x18: code, L=1, DPL 3 */
	put64(v, 0x2820, 0x00cff3000000ffffull);          /* 0x20: data, DPL 3 */
	put64(v, 0x4004, 0xa000);                         /* TSS.RSP0 */
	for (uint64_t n = 0; n < 32; n++) {               /* 64-bit interrupt gates */
		uint64_t h = 0x1800 + 16 * n;
		put64(v, 0x3000 + n * 16, (h & 0xffff) | 8ull << 16 | 0x8eull << 40 |
					  (h >> 16) << 48);
		put64(v, 0x3000 + n * 16 + 8, 0);
	}
}

/* Long mode through KVM_SET_SREGS: paging, EFER.LME|LMA, the tables above,
 * RIP = rip, RSP = STACK. */
static void lm_enter(struct vmm *v, uint64_t rip, const char *file, int line)
{
	struct kvm_sregs s;
	vmm_get_sregs(v, &s, file, line);
	s.cr3 = PML4;
	s.cr4 = 1 << 5;                                   /* PAE */
	s.cr0 = 0x80050033;                               /* PG WP NE ET MP PE (AM) */
	s.efer = 0x500;                                   /* LME LMA */
	s.cs = code64;
	s.ds = s.es = s.fs = s.gs = s.ss = data64;
	s.gdt = (struct kvm_dtable){ .base = 0x2800, .limit = 0x27 };
	s.tr = (struct kvm_segment){ .base = 0x4000, .limit = 0x67, .selector = 0x28,
				     .type = 11, .present = 1 };
	s.idt = (struct kvm_dtable){ .base = 0x3000, .limit = 32 * 16 - 1 };
	vmm_set_sregs(v, &s, file, line);
	struct kvm_regs r = { .rip = rip, .rflags = 2, .rsp = STACK };
	vmm_set_regs(v, &r, file, line);
}

/* A VM with the layout above and guest `name` at 0x1000, in long mode. */
static void lm_vm(struct vmm *v, const char *name, const char *test, const char *file, int line)
{
	vmm_open(v, test, file, line);
	vmm_slot(v, 0, 0, 0x100000, file, line);
	vmm_load(v, name, 0x1000, file, line);
	lm_memory(v);
	lm_enter(v, 0x1000, file, line);
}
#define LM_VM(v, name) lm_vm((v), (name), TEST_NAME(), __FILE__, __LINE__)

/* One event as lm_idt.inc's handler reports it. */
struct event {
	uint32_t vector, err, rip, rflags, cr2;
};

static uint32_t out32(struct vmm *v, const char *file, int line)
{
	vmm_want_io(v, KVM_EXIT_IO_OUT, 4, 0xe9, 1, file, line);
	uint32_t x;
	memcpy(&x, vmm_io_data(v), 4);
	return x;
}

/* Runs until the handler has reported an event (five exits). */
static struct event run_event(struct vmm *v, const char *file, int line)
{
	struct event e;
	uint32_t *f[] = { &e.vector, &e.err, &e.rip, &e.rflags, &e.cr2 };
	for (int i = 0; i < 5; i++) {
		vmm_run(v, file, line);
		*f[i] = out32(v, file, line);
	}
	return e;
}
#define RUN_EVENT(v) run_event((v), __FILE__, __LINE__)

/* The event's vector, error code and pushed RIP are these. */
static void want_event(struct vmm *v, const struct event *e, uint32_t vector, uint32_t err,
		       uint32_t rip, const char *file, int line)
{
	vmm_want_u64(v, "vector delivered", vector, e->vector, file, line);
	vmm_want_u64(v, "error code pushed", err, e->err, file, line);
	vmm_want_u64(v, "RIP pushed", rip, e->rip, file, line);
}
#define WANT_EVENT(v, e, vec, err, rip) want_event((v), &(e), (vec), (err), (rip), __FILE__, __LINE__)

#define RF (1u << 16)

/* Exceptions are delivered whatever came before them: an I/O exit, an MMIO
 * exit, an earlier #DE or #PF (issue 21, item 1: the second one was lost).
 * Faults push the faulting RIP and RF set (SDM vol. 3, 6.12.1; KVM's
 * kvm_inject_exception -> vmx_inject_exception: RF from
 * kvm_queue_exception's X86_EFLAGS_RF for fault-class vectors, __kvm_queue_exception);
 * #BP is a trap: RIP past the int3, RF clear. */
TEST(events_after_exits)
{
	struct vmm v;
	LM_VM(&v, "lm_events");
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x80, 1);
	struct event e = RUN_EVENT(&v);
	WANT_EVENT(&v, e, 0, 0, 0x100f);
	WANT_EQ(&v, "RF in the RFLAGS pushed for #DE (a fault)", RF, e.rflags & RF);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_MMIO);
	WANT_EQ(&v, "mmio.phys_addr", 0x100000, v.run->mmio.phys_addr);
	WANT_EQ(&v, "mmio.len", 4, v.run->mmio.len);
	e = RUN_EVENT(&v);
	WANT_EVENT(&v, e, 14, 0, 0x101e);
	WANT_EQ(&v, "CR2 of the #PF", 0x40000000, e.cr2);
	e = RUN_EVENT(&v);
	WANT_EVENT(&v, e, 0, 0, 0x102c);
	e = RUN_EVENT(&v);
	WANT_EVENT(&v, e, 3, 0, 0x1032);
	WANT_EQ(&v, "RF in the RFLAGS pushed for #BP (a trap)", 0, e.rflags & RF);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* 64-bit mode ignores the CS, DS, ES and SS bases and limits, and uses the
 * FS and GS bases (SDM vol. 1, 3.4.2.1; vol. 3, 3.2.4): a VMM that keeps the
 * reset segments (CS base 0xffff0000) and only sets CS.L runs its code at
 * RIP. KVM_GET_SREGS returns the segments as set (VMX keeps the VMCS guest
 * fields; arch/x86/kvm/vmx/vmx.c vmx_get_segment). Issue 21: a mem_lab VMM
 * doing this scored 37/37 on KVM and 0/37 on kvmemu. */
TEST(segment_bases_64)
{
	struct vmm v;
	VM_OPEN(&v);
	VM_SLOT(&v, 0, 0, 0x100000);
	VM_LOAD(&v, "lm_segs", 0x1000);
	lm_memory(&v);
	put64(&v, 0x2000, 0x2000);
	put64(&v, 0x7000, 0x7000);
	put64(&v, 0x3010, 0x3010);
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);                  /* the reset state */
	s.cr3 = PML4;
	s.cr4 = 1 << 5;
	s.cr0 = 0x80000011;
	s.efer = 0x500;
	s.cs.l = 1;
	s.cs.db = 0;
	s.ds.base = 0x5000;
	s.ss.base = 0x5000;
	s.fs.base = 0x3000;
	VM_SET_SREGS(&v, &s);
	struct kvm_regs r = { .rip = 0x1000, .rflags = 2 };
	VM_SET_REGS(&v, &r);
	static const struct { const char *what; uint32_t val; } want[] = {
		{ "load through DS (base ignored)", 0x2000 },
		{ "load through FS (base used)", 0x3010 },
		{ "pushed value at RSP - 8 (SS base ignored)", 0x1234 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		VM_RUN(&v);
		WANT_EQ(&v, want[i].what, want[i].val, out32(&v, __FILE__, __LINE__));
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	struct kvm_regs got;
	VM_GET_REGS(&v, &got);
	WANT_EQ(&v, "RIP after the hlt (CS base not added)", 0x1027, got.rip);
	struct kvm_sregs after;
	VM_GET_SREGS(&v, &after);
	WANT_EQ(&v, "sregs.cs.base as set", 0xffff0000, after.cs.base);
	WANT_EQ(&v, "sregs.ds.base as set", 0x5000, after.ds.base);
	WANT_EQ(&v, "sregs.ss.base as set", 0x5000, after.ss.base);
	WANT_EQ(&v, "sregs.fs.base as set", 0x3000, after.fs.base);
	WANT_EQ(&v, "sregs.cs.l", 1, after.cs.l);
	vmm_close(&v);
}
END_TEST

/* A #DE whose frame can't be pushed (the stack page read-only, CR0.WP): #PF
 * while delivering, then #DF, whose push faults too: a triple fault,
 * KVM_EXIT_SHUTDOWN (SDM vol. 3, table 6-5 and 6.15 "Interrupt 8"; KVM:
 * kvm_multiple_exception -> KVM_REQ_TRIPLE_FAULT -> KVM_EXIT_SHUTDOWN).
 * RFLAGS keeps the RF that KVM set to inject the fault (x86.c,
 * kvm_check_and_inject_events). */
TEST(fault_pushing_frame)
{
	struct vmm v;
	LM_VM(&v, "lm_events");
	put64(&v, PT + 8 * 8, 0x8000 | 5);                /* the stack page: read-only */
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x80, 1);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_SHUTDOWN);
	struct kvm_regs r;
	VM_GET_REGS(&v, &r);
	WANT_EQ(&v, "RIP at the shutdown (the div)", 0x100f, r.rip);
	WANT_EQ(&v, "RF in RFLAGS at the shutdown", RF, r.rflags & RF);
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	WANT_EQ(&v, "CR2 (the frame's first push)", 0x8ff8, s.cr2);
	vmm_close(&v);
}
END_TEST

/* Broken page tables: a page directory whose entries lack PS (so the "page
 * table" is whatever page 0 holds: zeros), and entries holding host
 * pointers (bits past MAXPHYADDR: reserved). The fetch faults, the IDT
 * can't be read through the same tables: #DF, triple fault,
 * KVM_EXIT_SHUTDOWN (SDM vol. 3, 4.7; the mem_lab handout's FAQ). */
TEST(broken_page_tables)
{
	static const uint64_t pde[] = { 0x3, 0x00007f1234400000ull | 0x83 };
	for (size_t i = 0; i < sizeof pde / sizeof pde[0]; i++) {
		struct vmm v;
		LM_VM(&v, "lm_events");
		put64(&v, 0x12000, pde[i]);
		VM_RUN(&v);
		WANT_EXIT(&v, KVM_EXIT_SHUTDOWN);
		vmm_close(&v);
	}
}
END_TEST


/* MSRs a Linux guest reads at boot, as KVM answers them: MTRRcap 0x508
 * (arch/x86/kvm/mtrr.c: WC | FIX | KVM_NR_VAR_MTRR 8), MTRRdefType 0 at
 * reset, MCG_CAP 32 banks (kvm_arch_vcpu_create: KVM_MAX_MCE_BANKS), the
 * paravirtual POLL_CONTROL 1 and SYSTEM_TIME_NEW 0 (kvm_get_msr_common;
 * Documentation/virt/kvm/x86/msr.rst), the microcode revision an AMD vCPU
 * reports (svm.c svm_vcpu_create; the engine's CPU is AuthenticAMD). */
TEST(boot_msrs)
{
	struct vmm v;
	LM_VM(&v, "lm_msr");
	static const struct { const char *what; uint32_t val; } want[] = {
		{ "MTRRcap", 0x508 }, { "MTRRdefType", 0 }, { "MCG_CAP", 32 },
		{ "MSR_KVM_POLL_CONTROL", 1 }, { "MSR_KVM_SYSTEM_TIME_NEW", 0 },
		{ "IA32_UCODE_REV (AMD vCPU)", 0x01000065 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		VM_RUN(&v);
		WANT_EQ(&v, want[i].what, want[i].val, out32(&v, __FILE__, __LINE__));
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* The MTRRs, the machine-check banks, the legacy perf counters and AMD's HWCR and DE_CFG, as Linux
 * 6.1's KVM answers a guest that reads and writes them at boot; each row
 * names the function. "GP" rows expect #GP(0) on the instruction. */
enum { RD = 1, WR = 2, GP = 1 };
struct msr_row { int op; uint32_t index; uint64_t val; int gp; uint64_t want; };

/* Runs lm_msr_table.asm over rows t[0..n), each RDMSR or WRMSR expected to
 * fault (#GP) or not, and a read to return want. */
static void run_msr_rows(struct vmm *v, const struct msr_row *t, size_t n);

TEST(boot_msr_table)
{
	static const struct msr_row t[] = {
		/* mtrr.c kvm_mtrr_set_msr/get_msr: variable base and mask as written */
		{ WR, 0x200, 0x80000006, 0, 0 }, { RD, 0x200, 0, 0, 0x80000006 },
		{ WR, 0x201, 0xfc0000800ull, 0, 0 }, { RD, 0x201, 0, 0, 0xfc0000800ull },
		{ WR, 0x202, 0x80000106, GP, 0 },        /* base: bits 8-11 reserved */
		{ WR, 0x203, 0x1000000000ull, GP, 0 },   /* mask: past MAXPHYADDR */
		{ WR, 0x204, 0x80000002, GP, 0 },        /* type 2: invalid */
		{ RD, 0x210, 0, GP, 0 },                 /* past KVM_NR_VAR_MTRR (msr_mtrr_valid) */
		{ WR, 0x250, 0x0606060606060606ull, 0, 0 }, { RD, 0x250, 0, 0, 0x0606060606060606ull },
		{ WR, 0x26f, 0x0000000000000300ull, GP, 0 }, { RD, 0x26f, 0, 0, 0 },
		{ WR, 0x2ff, 0xc06, 0, 0 }, { RD, 0x2ff, 0, 0, 0xc06 },
		{ WR, 0x2ff, 0x1006, GP, 0 },
		{ WR, 0xfe, 0x508, GP, 0 },              /* MTRRcap: read-only */
		/* x86.c get_msr_mce/set_msr_mce: mcg_cap 32, no MCG_CTL_P or CMCI_P */
		{ RD, 0x179, 0, 0, 32 }, { WR, 0x179, 32, GP, 0 },
		{ RD, 0x17b, 0, GP, 0 }, { WR, 0x17a, 0, 0, 0 }, { RD, 0x17a, 0, 0, 0 },
		{ RD, 0x405, 0, 0, 0 }, { RD, 0x47f, 0, 0, 0 },
		{ WR, 0x400, ~0ull, 0, 0 }, { RD, 0x400, 0, 0, ~0ull },
		{ WR, 0x410, ~0ull & ~(1ull << 10), 0, 0 }, { WR, 0x404, 5, GP, 0 },
		{ WR, 0x401, 0, 0, 0 }, { WR, 0x401, 1, GP, 0 },   /* STATUS: 0 only (HWCR bit 18 clear) */
		{ RD, 0x280, 0, GP, 0 }, { WR, 0x29f, 0, GP, 0 },  /* CTL2 without CMCI_P */
		/* x86.c MSR_K7_HWCR: bits 3/6/8 ignored, bit 18 kept, 0 leaves it */
		{ RD, 0xc0010015, 0, 0, 0 }, { WR, 0xc0010015, 0x148, 0, 0 }, { RD, 0xc0010015, 0, 0, 0 },
		{ WR, 0xc0010015, 1ull << 18, 0, 0 }, { WR, 0xc0010015, 0, 0, 0 },
		{ RD, 0xc0010015, 0, 0, 1ull << 18 }, { WR, 0xc0010015, 1, GP, 0 },
		/* svm.c MSR_F10H_DECFG: LFENCE_SERIALIZE only, and only as supported */
		{ RD, 0xc0011029, 0, 0, 0 }, { WR, 0xc0011029, 2, 0, 0 }, { RD, 0xc0011029, 0, 0, 2 },
		{ WR, 0xc0011029, 0, GP, 0 }, { WR, 0xc0011029, 6, GP, 0 },
		/* x86.c K7_EVNTSEL0 ... P6_EVNTSEL1 without a vPMU: read 0, writes dropped */
		{ WR, 0xc0010000, 0x12345, 0, 0 }, { RD, 0xc0010000, 0, 0, 0 },
		{ WR, 0xc0010007, 1, 0, 0 }, { RD, 0xc0010007, 0, 0, 0 }, { RD, 0xc0010008, 0, GP, 0 },
		{ WR, 0xc1, 7, 0, 0 }, { RD, 0xc2, 0, 0, 0 }, { WR, 0x187, 0x4300c0, 0, 0 }, { RD, 0x187, 0, 0, 0 },
		/* an MSR KVM doesn't know: #GP (ignore_msrs=0) */
		{ RD, 0x12345678, 0, GP, 0 }, { WR, 0x12345678, 0, GP, 0 },
	};
	struct vmm v;
	LM_VM(&v, "lm_msr_table");
	run_msr_rows(&v, t, sizeof t / sizeof t[0]);
	vmm_close(&v);
}
END_TEST

static void run_msr_rows(struct vmm *v, const struct msr_row *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		put64(v, 0x6000 + 16 * i, (uint64_t)t[i].index << 32 | (uint32_t)t[i].op);
		put64(v, 0x6008 + 16 * i, t[i].val);
	}
	put64(v, 0x6000 + 16 * n, 0);
	for (size_t i = 0; i < n; i++) {
		char what[96];
		snprintf(what, sizeof what, "row %zu: %s of MSR 0x%x faulted", i,
			 t[i].op == RD ? "RDMSR" : "WRMSR", t[i].index);
		VM_RUN(v);
		bool gp = v->run->exit_reason == KVM_EXIT_IO && v->run->io.port == 0xe9;
		WANT_EQ(v, what, t[i].gp, gp);
		if (gp) {
			uint32_t vec = out32(v, __FILE__, __LINE__);
			WANT_EQ(v, "the vector (#GP)", 13, vec);
			for (int k = 0; k < 4; k++)
				VM_RUN(v);
		}
		uint64_t got[2];
		for (int k = 0; k < 2; k++) {
			if (k || gp)
				VM_RUN(v);
			WANT_IO(v, KVM_EXIT_IO_OUT, 4, 0xe8, 1);
			uint32_t x;
			memcpy(&x, vmm_io_data(v), 4);
			got[k] = x;
		}
		if (t[i].op == RD && !t[i].gp) {
			snprintf(what, sizeof what, "row %zu: RDMSR 0x%x", i, t[i].index);
			WANT_EQ(v, what, t[i].want, got[0] | got[1] << 32);
		}
	}
	VM_RUN(v);
	WANT_EXIT(v, KVM_EXIT_HLT);
}

/* The guest's MAXPHYADDR is its CPUID 0x80000008 EAX[7:0] (cpuid.c
 * cpuid_query_maxphyaddr), 36 without that leaf: a variable MTRR mask with
 * bit 36 set is #GP at 36 bits and valid at 40 (kvm_mtrr_valid), bit 40 is
 * #GP at 40. SeaBIOS writes such masks for a 40-bit guest. */
TEST(mtrr_follows_guest_maxphyaddr)
{
	static const struct msr_row t[] = {
		{ WR, 0x203, 0xf000000800ull, 0, 0 }, { RD, 0x203, 0, 0, 0xf000000800ull },
		{ WR, 0x203, 0x10000000800ull, GP, 0 },
		{ WR, 0x1b, 0xfee00900ull | 1ull << 38, 0, 0 },   /* APIC base, kvm_set_apic_base */
	};
	struct vmm v;
	LM_VM(&v, "lm_msr_table");
	struct kvm_cpuid2 *c = calloc(1, sizeof *c + 2 * sizeof c->entries[0]);
	c->nent = 2;
	c->entries[0] = (struct kvm_cpuid_entry2){ .function = 0x80000000, .eax = 0x80000008 };
	c->entries[1] = (struct kvm_cpuid_entry2){ .function = 0x80000008, .eax = 0x3028 };  /* 40, 48 */
	if (ioctl(v.vcpu, KVM_SET_CPUID2, c) != 0)
		FAIL(&v, "KVM_SET_CPUID2: %s", strerror(errno));
	free(c);
	run_msr_rows(&v, t, sizeof t / sizeof t[0]);
	vmm_close(&v);
}
END_TEST

static uint64_t out64(struct vmm *v)
{
	uint64_t x = 0;
	for (int k = 0; k < 2; k++) {
		VM_RUN(v);
		WANT_IO(v, KVM_EXIT_IO_OUT, 4, 0xe8, 1);
		uint32_t d;
		memcpy(&d, vmm_io_data(v), 4);
		x |= (uint64_t)d << (32 * k);
	}
	return x;
}

/* RDTSC follows IA32_TSC as written (kvm_set_msr_common MSR_IA32_TSC: an
 * offset), advances while the guest runs, agrees with RDMSR TSC, and is
 * #GP(0) at CPL 3 with CR4.TSD (SDM vol. 2, RDTSC). kvmemu answers it from
 * the VM's clock, the one its PIT and LAPIC timer follow. */
TEST(rdtsc_vm_clock)
{
	struct vmm v;
	LM_VM(&v, "lm_tsc");
	const uint64_t set = 1ull << 36;
	uint64_t t0 = out64(&v), t1 = out64(&v), t2 = out64(&v);
	WANT_EQ(&v, "RDTSC right after WRMSR TSC: at least the value written", 1, t0 >= set);
	WANT_EQ(&v, "... and within a second of it", 1, t0 < set + 1000000000ull);
	WANT_EQ(&v, "RDTSC after a loop: later", 1, t1 > t0);
	WANT_EQ(&v, "RDMSR TSC after that: not earlier", 1, t2 >= t1);
	struct event e = RUN_EVENT(&v);
	WANT_EQ(&v, "vector at CPL 3 with CR4.TSD", 13, e.vector);
	WANT_EQ(&v, "error code", 0, e.err);
	vmm_close(&v);
}
END_TEST

/* MOV from and to CR0 inside a loop run three times: each iteration
 * reads CR0 back as set (KVM: kvm_read_cr0 / kvm_set_cr0 with the same
 * value), and nothing stops the loop between them. */
TEST(cr0_in_loop)
{
	struct vmm v;
	LM_VM(&v, "lm_cr0_loop");
	for (int i = 0; i < 3; i++) {
		VM_RUN(&v);
		WANT_EQ(&v, "CR0 read in the loop", 0x80050033, out32(&v, __FILE__, __LINE__));
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* A store into a KVM_MEM_READONLY slot with paging on: one KVM_EXIT_MMIO
 * (is_write, RIP past the store), the memory unchanged, and the guest goes
 * on (x86.c emulator_read_write: the slot is read-only, so the write goes
 * to user space once). A VMM that ignores ROM writes, as QEMU does, runs. */
TEST(rom_write_paged)
{
	struct vmm v;
	LM_VM(&v, "lm_rom");
	uint8_t *rom = SLOT_FLAGS(&v, 1, 0x100000, 0x1000, KVM_MEM_READONLY);
	rom[0] = 0xaa;
	rom[0x100] = 0xbb;
	static const struct { uint64_t gpa; uint32_t len; uint8_t data0; uint64_t rip; } want[] = {
		{ 0x100000, 1, 0x55, 0x1014 },
		{ 0x100100, 8, 0x88, 0x1026 },
		{ 0x100fff, 1, 0x42, 0x1035 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		VM_RUN(&v);
		WANT_EXIT(&v, KVM_EXIT_MMIO);
		WANT_EQ(&v, "mmio.phys_addr", want[i].gpa, v.run->mmio.phys_addr);
		WANT_EQ(&v, "mmio.len", want[i].len, v.run->mmio.len);
		WANT_EQ(&v, "mmio.is_write", 1, v.run->mmio.is_write);
		WANT_EQ(&v, "mmio.data[0]", want[i].data0, v.run->mmio.data[0]);
		WANT_EQ(&v, "RIP past the store", want[i].rip, vmm_rip(&v));
	}
	VM_RUN(&v);
	WANT_EQ(&v, "the ROM's byte 0, read back", 0xaa, out32(&v, __FILE__, __LINE__) & 0xff);
	VM_RUN(&v);
	WANT_EQ(&v, "the ROM's byte 0x100, read back", 0xbb, out32(&v, __FILE__, __LINE__) & 0xff);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "the ROM's last byte, unchanged", 0, rom[0xfff]);
	vmm_close(&v);
}
END_TEST

/* Dirty logging with 4 KiB pages: the page walker's Accessed-bit writes
 * dirty every level's table, the PML4 and PDPT included (KVM logs the
 * CPU's A/D writes to guest memory: FACTS.md dirty_log_page_tables, with
 * 2 MiB pages). The guest itself writes nothing. */
TEST(dirty_log_4k_tables)
{
	struct vmm v;
	VM_OPEN(&v);
	SLOT_FLAGS(&v, 0, 0, 0x100000, KVM_MEM_LOG_DIRTY_PAGES);
	VM_LOAD(&v, "lm_load", 0x1000);
	lm_memory(&v);
	lm_enter(&v, 0x1000, __FILE__, __LINE__);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0xe9, 1);
	uint64_t bitmap[256 / 64] = { 0 };
	struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = bitmap };
	if (ioctl(v.vm, KVM_GET_DIRTY_LOG, &log) < 0)
		FAIL(&v, "KVM_GET_DIRTY_LOG: %s", strerror(errno));
	/* pages 0x10 PML4, 0x11 PDPT, 0x12 PD, 0x13 PT */
	WANT_EQ(&v, "dirty pages 0..63 (bits)", 0xfull << 16, bitmap[0]);
	vmm_close(&v);
}
END_TEST

/* Control registers: a reserved CR4 bit (bit 15) is #GP(0) (kvm_set_cr4 ->
 * kvm_is_valid_cr4 fails -> kvm_inject_gp); CR8 holds what the guest wrote
 * (kvm_set_cr8 / kvm_get_cr8 without an in-kernel APIC: vcpu->arch.cr8);
 * MOV from CR0 at CPL 3 is #GP(0) (SDM vol. 2, MOV-Move to/from Control
 * Registers: "If the current privilege level is not 0"). */
TEST(control_registers)
{
	struct vmm v;
	LM_VM(&v, "lm_cr");
	struct event e = RUN_EVENT(&v);
	WANT_EVENT(&v, e, 13, 0, 0x1013);
	VM_RUN(&v);
	WANT_EQ(&v, "CR8 read back after mov cr8, 5", 5, out32(&v, __FILE__, __LINE__));
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	WANT_EQ(&v, "sregs.cr8 after the guest's mov cr8, 5", 5, s.cr8);
	s.cr8 = 9;
	VM_SET_SREGS(&v, &s);
	VM_RUN(&v);
	WANT_EQ(&v, "CR8 read back after KVM_SET_SREGS cr8 9", 9, out32(&v, __FILE__, __LINE__));
	e = RUN_EVENT(&v);
	WANT_EVENT(&v, e, 13, 0, 0x1044);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* CPUID leaf 0xD: whatever EBX KVM_SET_CPUID2 gave, the guest reads the size
 * of the XSAVE area for the features enabled in XCR0 (arch/x86/kvm/cpuid.c
 * kvm_update_cpuid_runtime -> xstate_required_size(vcpu->arch.xcr0)): at
 * reset XCR0 is x87 only (kvm_vcpu_reset: XFEATURE_MASK_FP), 576 bytes (the
 * legacy region and the header, SDM vol. 1, 13.4). */
TEST(cpuid_xsave_size)
{
	struct vmm v;
	LM_VM(&v, "lm_xsave");
	struct kvm_cpuid2 *c = calloc(1, sizeof *c + 3 * sizeof c->entries[0]);
	c->nent = 3;
	c->entries[0] = (struct kvm_cpuid_entry2){ .function = 0, .eax = 0xd };
	c->entries[1] = (struct kvm_cpuid_entry2){ .function = 1, .ecx = 1u << 26 };  /* XSAVE */
	c->entries[2] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 3, .ebx = 0x1234, .ecx = 0x240 };
	int r = ioctl(v.vcpu, KVM_SET_CPUID2, c);
	free(c);
	if (r < 0)
		FAIL(&v, "KVM_SET_CPUID2: %s", strerror(errno));
	VM_RUN(&v);
	WANT_EQ(&v, "CPUID 0xD.0 EBX (XCR0 = x87)", 576, out32(&v, __FILE__, __LINE__));
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* A 16-byte MMIO access (MOVDQU): KVM makes two exits of 8 bytes each, the
 * read's data taken from both (x86.c emulator_read_write splits an access
 * into fragments of at most 8 bytes, one KVM_EXIT_MMIO each). */
TEST(mmio_16_bytes)
{
	struct vmm v;
	LM_VM(&v, "lm_movdqu");
	for (int i = 0; i < 16; i++)
		vmm_hva(&v, 0x5000)[i] = (uint8_t)i;
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	s.cr4 |= 1 << 9;                                  /* OSFXSR: SSE */
	VM_SET_SREGS(&v, &s);
	static const uint64_t data[2] = { 0x1111111122222222ull, 0x3333333344444444ull };
	for (int i = 0; i < 2; i++) {
		VM_RUN(&v);
		WANT_EXIT(&v, KVM_EXIT_MMIO);
		WANT_EQ(&v, "mmio.phys_addr (read part)", 0x100040 + 8 * i, v.run->mmio.phys_addr);
		WANT_EQ(&v, "mmio.len", 8, v.run->mmio.len);
		WANT_EQ(&v, "mmio.is_write", 0, v.run->mmio.is_write);
		memcpy(v.run->mmio.data, &data[i], 8);
	}
	VM_RUN(&v);
	WANT_EQ(&v, "xmm0 bits 31:0 (first part's data)", 0x22222222, out32(&v, __FILE__, __LINE__));
	VM_RUN(&v);
	WANT_EQ(&v, "xmm0 bits 95:64 (second part's data)", 0x44444444, out32(&v, __FILE__, __LINE__));
	for (int i = 0; i < 2; i++) {
		VM_RUN(&v);
		WANT_EXIT(&v, KVM_EXIT_MMIO);
		WANT_EQ(&v, "mmio.phys_addr (write part)", 0x100080 + 8 * i, v.run->mmio.phys_addr);
		WANT_EQ(&v, "mmio.len", 8, v.run->mmio.len);
		WANT_EQ(&v, "mmio.is_write", 1, v.run->mmio.is_write);
		WANT_EQ(&v, "mmio.data[0]", 8 * i, v.run->mmio.data[0]);
		WANT_EQ(&v, "mmio.data[7]", 8 * i + 7, v.run->mmio.data[7]);
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* A non-canonical address through RBP or RSP is a stack fault, #SS(0);
 * through another base register #GP(0) (SDM vol. 3, 6.15 "Interrupt 12" and
 * "Interrupt 13"; KVM's emulator: emulate_ss / emulate_gp in
 * __linearize). */
TEST(noncanonical_stack_fault)
{
	struct vmm v;
	LM_VM(&v, "lm_canon");
	struct event e = RUN_EVENT(&v);
	WANT_EVENT(&v, e, 12, 0, 0x1015);
	e = RUN_EVENT(&v);
	WANT_EVENT(&v, e, 13, 0, 0x1021);
	e = RUN_EVENT(&v);
	WANT_EVENT(&v, e, 12, 0, 0x1029);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* A read straddling the end of RAM and MMIO: KVM exits for the MMIO part
 * only, with its own length (x86.c emulator_read_write splits the access at
 * the page boundary, emulator_read_write_onepage reads the RAM part itself),
 * and the value combines both. */
TEST(straddling_read)
{
	struct vmm v;
	LM_VM(&v, "lm_straddle");
	static const uint8_t ram[4] = { 0xdd, 0xcc, 0xbb, 0xaa };
	memcpy(vmm_hva(&v, 0xffffc), ram, 4);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_MMIO);
	WANT_EQ(&v, "mmio.phys_addr", 0x100000, v.run->mmio.phys_addr);
	WANT_EQ(&v, "mmio.len (the MMIO part)", 4, v.run->mmio.len);
	WANT_EQ(&v, "mmio.is_write", 0, v.run->mmio.is_write);
	static const uint8_t mmio[4] = { 0x44, 0x33, 0x22, 0x11 };
	memcpy(v.run->mmio.data, mmio, 4);
	VM_RUN(&v);
	WANT_EQ(&v, "RAX bits 31:0 (RAM)", 0xaabbccdd, out32(&v, __FILE__, __LINE__));
	VM_RUN(&v);
	WANT_EQ(&v, "RAX bits 63:32 (MMIO)", 0x11223344, out32(&v, __FILE__, __LINE__));
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* Unaligned MMIO reads: one exit with the access's address and length, and
 * every byte user space gives lands in the register (x86.c
 * emulator_read_write_onepage: one fragment, memcpy of run->mmio.data). */
TEST(mmio_unaligned_read)
{
	struct vmm v;
	LM_VM(&v, "lm_unaligned");
	static const uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_MMIO);
	WANT_EQ(&v, "mmio.phys_addr", 0x100003, v.run->mmio.phys_addr);
	WANT_EQ(&v, "mmio.len", 8, v.run->mmio.len);
	memcpy(v.run->mmio.data, data, 8);
	VM_RUN(&v);
	WANT_EQ(&v, "RAX bits 31:0", 0x04030201, out32(&v, __FILE__, __LINE__));
	VM_RUN(&v);
	WANT_EQ(&v, "RAX bits 63:32", 0x08070605, out32(&v, __FILE__, __LINE__));
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_MMIO);
	WANT_EQ(&v, "mmio.phys_addr", 0x100041, v.run->mmio.phys_addr);
	WANT_EQ(&v, "mmio.len", 2, v.run->mmio.len);
	memcpy(v.run->mmio.data, data + 2, 2);
	VM_RUN(&v);
	WANT_EQ(&v, "AX", 0x0403, out32(&v, __FILE__, __LINE__) & 0xffff);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* Dirty logging across a CR3 switch: the new tables' pages whose Accessed
 * bits the walker sets are logged too (the CPU writes them like any guest
 * memory; kvm_get_dirty_log). */
TEST(dirty_log_cr3_switch)
{
	struct vmm v;
	VM_OPEN(&v);
	SLOT_FLAGS(&v, 0, 0, 0x100000, KVM_MEM_LOG_DIRTY_PAGES);
	VM_LOAD(&v, "lm_cr3", 0x1000);
	lm_memory(&v);
	put64(&v, 0x20000, 0x21000 | PTE_RW);
	put64(&v, 0x21000, 0x22000 | PTE_RW);
	put64(&v, 0x22000, PT | PTE_RW);
	lm_enter(&v, 0x1000, __FILE__, __LINE__);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0xe9, 1);
	uint64_t bitmap[256 / 64] = { 0 };
	struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = bitmap };
	if (ioctl(v.vm, KVM_GET_DIRTY_LOG, &log) < 0)   /* the first tables; cleared */
		FAIL(&v, "KVM_GET_DIRTY_LOG: %s", strerror(errno));
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0xe9, 1);
	memset(bitmap, 0, sizeof bitmap);
	if (ioctl(v.vm, KVM_GET_DIRTY_LOG, &log) < 0)
		FAIL(&v, "KVM_GET_DIRTY_LOG: %s", strerror(errno));
	/* page 0x13: the PT (0x6000's PTE); 0x20-0x22: the new PML4, PDPT, PD */
	WANT_EQ(&v, "dirty pages 0..63 (bits)", 1ull << 0x13 | 7ull << 0x20, bitmap[0]);
	WANT_EQ(&v, "dirty pages 64..127 (bits)", 0, bitmap[1]);
	vmm_close(&v);
}
END_TEST

/* A guest WRMSR of a PAT with a reserved memory type (2) is #GP(0), RIP on
 * the WRMSR (x86.c kvm_set_msr_common -> kvm_pat_valid fails ->
 * kvm_inject_gp); QEMU's own WRMSR would take it. */
TEST(pat_gp)
{
	struct vmm v;
	LM_VM(&v, "lm_pat");
	struct event e = RUN_EVENT(&v);
	WANT_EVENT(&v, e, 13, 0, 0x1014);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* An I/O site in a page the guest then unmaps: the runs after it leave the
 * guest's CR2 as its MOV to CR2 set it (KVM_GET_SREGS and MOV from CR2), and
 * its next fault is a #PF with its own CR2, not a #DF (SDM vol. 3, 6.15:
 * only a #PF changes CR2). Unicorn ends every run by walking the guest's
 * tables for each exit's address; the walk's fault is undone (env.c
 * env_after_run). */
TEST(unmapped_exit_site)
{
	struct vmm v;
	LM_VM(&v, "lm_exit_unmapped");
	for (uint8_t i = 1; i <= 3; i++) {
		VM_RUN(&v);
		WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xe9, 1);
		WANT_EQ(&v, "al of the OUT", i, *(uint8_t *)vmm_io_data(&v));
	}
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	WANT_EQ(&v, "sregs.cr2 after the runs", 0x1234, s.cr2);
	VM_RUN(&v);
	WANT_EQ(&v, "CR2 as the guest reads it", 0x1234, out32(&v, __FILE__, __LINE__));
	struct event e = RUN_EVENT(&v);
	WANT_EQ(&v, "vector of the load from the unmapped page", 14, e.vector);
	WANT_EQ(&v, "error code (not present, read, supervisor)", 0, e.err);
	WANT_EQ(&v, "CR2 in the #PF handler", 0x5000, e.cr2);
	WANT_EQ(&v, "RIP pushed (the load)", 0x1036, e.rip);
	vmm_close(&v);
}
END_TEST

/* Code the guest rewrites after running it is run as rewritten (SDM vol. 3,
 * 8.1.3), written through the mapping it runs from and through an alias
 * mapping of the same page, as Linux's boot-time patching does. */
TEST(self_modifying_code_64)
{
	struct vmm v;
	LM_VM(&v, "lm_smc");
	put64(&v, PT + 7 * 8, 0x6000 | PTE_RW);          /* virtual 0x7000: the page of f */
	static const struct { const char *what; uint32_t val; } want[] = {
		{ "f as loaded", 0x11 }, { "f after its immediate was rewritten", 0x22 },
		{ "f rewritten through an alias mapping", 0x33 }, { "g through its jmp", 0x55 },
		{ "g after its jmp became ret", 0x44 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		VM_RUN(&v);
		WANT_EQ(&v, want[i].what, want[i].val, out32(&v, __FILE__, __LINE__));
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST
