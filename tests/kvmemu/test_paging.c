/* test_paging.c - paging and long mode, read-only slots, dirty logging.
 * Sources: arch/x86/kvm/x86.c (sregs), virt/kvm/kvm_main.c (slots, dirty
 * log), SDM vol. 3 ch. 4 (paging) and 6.14 (64-bit interrupts). */
#include "tests.h"
#include "check_decl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

CHECK_SUITE("paging", "paging", NULL, NULL, 0);

#define P_RW  3ull              /* present, writable */
#define P_BIG 0x83ull           /* present, writable, page size */

static void put64(struct vmm *v, uint64_t gpa, uint64_t val)
{
	memcpy(vmm_hva(v, gpa), &val, 8);
}

static void put32(struct vmm *v, uint64_t gpa, uint32_t val)
{
	memcpy(vmm_hva(v, gpa), &val, 4);
}

static uint32_t io32(struct vmm *v)
{
	uint32_t x;
	memcpy(&x, vmm_io_data(v), 4);
	return x;
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

/* 4-level tables at 0x10000: virtual 0..2 MiB and 0xffffffff80000000.. are
 * 2 MiB pages onto physical 0; virtual 0x200000 is a 2 MiB page onto
 * physical 0xd0000000 (no slot there). */
static void lm_tables(struct vmm *v)
{
	put64(v, 0x10000, 0x11000 | P_RW);                /* PML4[0] */
	put64(v, 0x10000 + 511 * 8, 0x13000 | P_RW);      /* PML4[511] */
	put64(v, 0x11000, 0x12000 | P_RW);                /* PDPT[0] */
	put64(v, 0x12000, 0 | P_BIG);                     /* PD[0]: 2 MiB at 0 */
	put64(v, 0x12000 + 8, 0xd0000000ull | P_BIG);     /* PD[1]: 2 MiB at 0xd0000000 */
	put64(v, 0x13000 + 510 * 8, 0x14000 | P_RW);      /* PDPT[510] */
	put64(v, 0x14000, 0 | P_BIG);                     /* PD[0]: 2 MiB at 0 */
}

/* Only the first 2 MiB, a 2 MiB page onto physical 0, from three table pages
 * at 0x10000-0x12000 (the dirty-log tests count exactly those pages). */
static void low_tables(struct vmm *v)
{
	put64(v, 0x10000, 0x11000 | P_RW);                /* PML4[0] */
	put64(v, 0x11000, 0x12000 | P_RW);                /* PDPT[0] */
	put64(v, 0x12000, 0 | P_BIG);                     /* PD[0]: 2 MiB at 0 */
}

/* Long mode as KVM_SET_SREGS sets it (no GDT in memory): EFER.LME|LMA,
 * CR4.PAE, CR0.PG|PE, a 64-bit CS. */
static void long_mode(struct vmm *v, uint64_t rip, const char *file, int line)
{
	struct kvm_sregs s;
	vmm_get_sregs(v, &s, file, line);
	s.cr3 = 0x10000;
	s.cr4 = 1 << 5;
	s.cr0 = 0x80000011;
	s.efer = 0x500;
	s.cs = (struct kvm_segment){ .limit = 0xffffffff, .selector = 8, .type = 11,
				     .present = 1, .s = 1, .l = 1, .g = 1 };
	s.ds = s.es = s.fs = s.gs = s.ss = (struct kvm_segment){ .limit = 0xffffffff,
		.selector = 0x10, .type = 3, .present = 1, .s = 1, .db = 1, .g = 1 };
	vmm_set_sregs(v, &s, file, line);
	struct kvm_regs r = { .rip = rip, .rflags = 2, .rsp = 0x9000 };
	vmm_set_regs(v, &r, file, line);
}
#define LONG_MODE(v, rip) long_mode((v), (rip), __FILE__, __LINE__)

/* Long mode from KVM_SET_SREGS, running from a higher-half alias: 64-bit
 * I/O, MMIO at the physical address a 2 MiB page gives (len 8), rep outsb
 * with 64-bit RSI/RCX. */
TEST(long_mode_sregs)
{
	struct vmm v;
	VM_OPEN(&v);
	VM_SLOT(&v, 0, 0, 0x100000);
	VM_LOAD(&v, "lm64", 0x1000);
	lm_tables(&v);
	const uint64_t hi = 0xffffffff80000000ull;
	LONG_MODE(&v, hi + 0x1000);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0x3f8, 1);
	WANT_BYTES(&v, "io data", "ABCD", vmm_io_data(&v), 4);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_MMIO);
	WANT_EQ(&v, "mmio.phys_addr (through the 2 MiB page)", 0xd0000010, v.run->mmio.phys_addr);
	WANT_EQ(&v, "mmio.len", 8, v.run->mmio.len);
	WANT_EQ(&v, "mmio.is_write", 1, v.run->mmio.is_write);
	WANT_BYTES(&v, "mmio.data", "\x88\x77\x66\x55\x44\x33\x22\x11", v.run->mmio.data, 8);
	WANT_EQ(&v, "rip past the MMIO write", hi + 0x101c, vmm_rip(&v));
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_MMIO);
	WANT_EQ(&v, "mmio.phys_addr", 0xd0000020, v.run->mmio.phys_addr);
	WANT_EQ(&v, "mmio.len", 8, v.run->mmio.len);
	WANT_EQ(&v, "mmio.is_write", 0, v.run->mmio.is_write);
	WANT_EQ(&v, "rip at the MMIO read", hi + 0x101c, vmm_rip(&v));
	memcpy(v.run->mmio.data, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_EQ(&v, "low half of the MMIO read", 0x04030201, io32(&v));
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_EQ(&v, "high half of the MMIO read", 0x08070605, io32(&v));
	for (int i = 0; i < 2; i++) {
		VM_RUN(&v);
		WANT_EXIT(&v, KVM_EXIT_IO);
		WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x3f8, 1);
		WANT_BYTES(&v, "rep outsb data", &"lm"[i], vmm_io_data(&v), 1);
		struct kvm_regs r;
		VM_GET_REGS(&v, &r);
		WANT_EQ(&v, "rsi (64-bit)", hi + 0x103a + (uint64_t)i, r.rsi);
		WANT_EQ(&v, "rcx", 1 - i, r.rcx);
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "rip past the hlt", hi + 0x1039, vmm_rip(&v));
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	WANT_EQ(&v, "sregs.efer", 0x500, s.efer);
	WANT_EQ(&v, "sregs.cs.l", 1, s.cs.l);
	WANT_EQ(&v, "sregs.cr3", 0x10000, s.cr3);
	vmm_close(&v);
}
END_TEST

/* lm_misc.asm's setup: long mode, a 1 GiB page at virtual 1 GiB onto 0,
 * a GDT with a compatibility-mode code segment 0x18. CPUID from
 * KVM_GET_SUPPORTED_CPUID plus Page1GB (without it KVM treats PS in a PDPTE
 * as a reserved bit). */
static void lm_misc(struct vmm *v, uint64_t rip, const char *file, int line)
{
	vmm_open(v, TEST_NAME(), file, line);
	struct kvm_cpuid2 *c = calloc(1, sizeof *c + 256 * sizeof c->entries[0]);
	c->nent = 256;
	if (ioctl(v->kvm, KVM_GET_SUPPORTED_CPUID, c) < 0)
		vmm_fail(v, file, line, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0x80000001)
			c->entries[i].edx |= 1u << 26;            /* Page1GB */
	if (ioctl(v->vcpu, KVM_SET_CPUID2, c) < 0)
		vmm_fail(v, file, line, "KVM_SET_CPUID2: %s", strerror(errno));
	free(c);
	vmm_slot(v, 0, 0, 0x100000, file, line);
	vmm_load(v, "lm_misc", 0x1000, file, line);
	lm_tables(v);
	put64(v, 0x11000 + 8, 0 | P_BIG);                 /* PDPT[1]: 1 GiB at 0 */
	put64(v, 0x2800, 0);
	put64(v, 0x2808, 0x00209b0000000000ull);          /* 0x08 code 64 */
	put64(v, 0x2810, 0x00cf93000000ffffull);          /* 0x10 data */
	put64(v, 0x2818, 0x00cf9b000000ffffull);          /* 0x18 code 32 (compatibility) */
	long_mode(v, rip, file, line);
	struct kvm_sregs s;
	vmm_get_sregs(v, &s, file, line);
	s.gdt.base = 0x2800;
	s.gdt.limit = 0x1f;
	vmm_set_sregs(v, &s, file, line);
	struct kvm_regs r;
	vmm_get_regs(v, &r, file, line);
	r.rdx = 0x3f8;
	vmm_set_regs(v, &r, file, line);
}

/* A load through a 1 GiB page (PDPTE.PS). */
TEST(gib_page)
{
	if (vmm_kvm_is_pvm())
		CHECK_SKIP("on kvm_pvm: it shuts the guest down at the load through "
		           "the 1 GiB page, Page1GB in CPUID or not: see FACTS.md");
	struct vmm v;
	lm_misc(&v, 0x1000, __FILE__, __LINE__);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_EQ(&v, "read through the 1 GiB page (the code's first bytes)", 0x03f8ba66, io32(&v));
	vmm_close(&v);
}
END_TEST

/* Compatibility mode: a 32-bit code segment in long mode, reached by a far
 * return, has 32-bit I/O defaults; EFER.LMA stays. */
TEST(compat_mode)
{
	struct vmm v;
	lm_misc(&v, 0x100c, __FILE__, __LINE__);        /* from the push 0x18 */
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0x3f8, 1);
	WANT_BYTES(&v, "compatibility-mode out dx,eax", "ABCD", vmm_io_data(&v), 4);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 2, 0x3f8, 1);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	WANT_EQ(&v, "sregs.cs.l in compatibility mode", 0, s.cs.l);
	WANT_EQ(&v, "sregs.cs.db in compatibility mode", 1, s.cs.db);
	WANT_EQ(&v, "sregs.efer still LMA", 0x500, s.efer & 0x500);
	vmm_close(&v);
}
END_TEST

/* rep insb in long mode: one batch (count 3, RIP on the insb, RDI/RCX not
 * yet advanced), stored at the physical address of the higher-half alias on
 * the next KVM_RUN (pio_in_emulated). */
TEST(long_mode_insb)
{
	struct vmm v;
	VM_OPEN(&v);
	VM_SLOT(&v, 0, 0, 0x100000);
	VM_LOAD(&v, "lm_ins", 0x1000);
	lm_tables(&v);
	const uint64_t hi = 0xffffffff80000000ull;
	LONG_MODE(&v, hi + 0x1000);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_IO(&v, KVM_EXIT_IO_IN, 1, 0x3f8, 3);
	struct kvm_regs r;
	VM_GET_REGS(&v, &r);
	WANT_EQ(&v, "rip at the rep insb", hi + 0x1010, r.rip);
	WANT_EQ(&v, "rdi not yet advanced", hi + 0x5000, r.rdi);
	memcpy(vmm_io_data(&v), "xyz", 3);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	VM_GET_REGS(&v, &r);
	WANT_EQ(&v, "rdi after", hi + 0x5003, r.rdi);
	WANT_EQ(&v, "rcx after", 0, r.rcx);
	WANT_BYTES(&v, "bytes at physical 0x5000", "xyz", vmm_hva(&v, 0x5000), 3);
	vmm_close(&v);
}
END_TEST

/* The guest goes from 32-bit protected mode to long mode itself: CR4.PAE,
 * CR3, EFER.LME with wrmsr (rdmsr shows LMA once paging is on), CR0.PG, a
 * far jump to a 64-bit code segment of its GDT. Without KVM_SET_CPUID2
 * giving CPUID.80000001H:EDX.LM, the WRMSR is refused (x86.c
 * __kvm_valid_efer): #GP, and with no IDT a triple fault at the WRMSR. */
static void lm_guest(int with_cpuid)
{
	struct vmm v;
	VM_OPEN(&v);
	if (with_cpuid) {
		struct kvm_cpuid2 *c = calloc(1, sizeof *c + 256 * sizeof c->entries[0]);
		c->nent = 256;
		if (ioctl(v.kvm, KVM_GET_SUPPORTED_CPUID, c) < 0 ||
		    ioctl(v.vcpu, KVM_SET_CPUID2, c) < 0)
			FAIL(&v, "KVM_GET_SUPPORTED_CPUID / KVM_SET_CPUID2: %s", strerror(errno));
		free(c);
	}
	VM_SLOT(&v, 0, 0, 0x100000);
	VM_LOAD(&v, "lm_guest", 0x1000);
	lm_tables(&v);
	put64(&v, 0x2800, 0);
	put64(&v, 0x2808, 0x00cf9b000000ffffull);         /* 0x08 code 32 */
	put64(&v, 0x2810, 0x00cf93000000ffffull);         /* 0x10 data */
	put64(&v, 0x2818, 0x00209b0000000000ull);         /* 0x18 code 64 */
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	s.cr0 |= 1;
	s.cs = (struct kvm_segment){ .limit = 0xffffffff, .selector = 8, .type = 11,
				     .present = 1, .s = 1, .db = 1, .g = 1 };
	s.ds = s.es = s.ss = (struct kvm_segment){ .limit = 0xffffffff, .selector = 0x10,
						    .type = 3, .present = 1, .s = 1, .db = 1,
						    .g = 1 };
	s.gdt.base = 0x2800;
	s.gdt.limit = 0x1f;
	VM_SET_SREGS(&v, &s);
	struct kvm_regs r = { .rip = 0x1000, .rflags = 2, .rsp = 0x9000 };
	VM_SET_REGS(&v, &r);
	VM_RUN(&v);
	if (!with_cpuid) {
		WANT_EXIT(&v, KVM_EXIT_SHUTDOWN);
		WANT_EQ(&v, "rip at the refused wrmsr", 0x101d, vmm_rip(&v));
		vmm_close(&v);
		return;
	}
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0x3f8, 1);
	WANT_BYTES(&v, "io data from 64-bit code", "ABCD", vmm_io_data(&v), 4);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_EQ(&v, "EFER read by the guest (LME|LMA)", 0x500, io32(&v) & 0x500);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	VM_GET_SREGS(&v, &s);
	WANT_EQ(&v, "sregs.efer & (LME|LMA)", 0x500, s.efer & 0x500);
	WANT_EQ(&v, "sregs.cr0.PG", 1, s.cr0 >> 31 & 1);
	WANT_EQ(&v, "sregs.cs.l", 1, s.cs.l);
	vmm_close(&v);
}

TEST(efer_lme_needs_cpuid)
{
	lm_guest(0);
}
END_TEST

TEST(long_mode_by_guest)
{
	lm_guest(1);
}
END_TEST

/* 32-bit paging (pae = 0: a 4 MiB page with CR4.PSE and a 4 KiB page) or
 * PAE (a 2 MiB page and a 4 KiB page), set by KVM_SET_SREGS. Virtual
 * 0x400123 -> physical 0x800123 (the large page), 0x3ff010 -> 0x5010. */
static void paged32(int pae)
{
	struct vmm v;
	VM_OPEN(&v);
	VM_SLOT(&v, 0, 0, 0x1000000);
	VM_LOAD(&v, "paged32", 0x1000);
	put32(&v, 0x800123, 0xc0ffee42);
	if (!pae) {
		put32(&v, 0x10000, 0x11000 | P_RW);               /* PD[0] -> PT */
		put32(&v, 0x10004, 0x800000 | P_BIG);             /* PD[1]: 4 MiB */
		for (uint32_t i = 0; i < 16; i++)
			put32(&v, 0x11000 + 4 * i, i << 12 | P_RW); /* identity 64 KiB */
		put32(&v, 0x11000 + 4 * 0x3ff, 0x5000 | P_RW);
	} else {
		put64(&v, 0x10000, 0x11000 | 1);                  /* PDPTE: P only */
		put64(&v, 0x11000, 0x12000 | P_RW);               /* PD[0] -> PT */
		put64(&v, 0x11008, 0x13000 | P_RW);               /* PD[1] -> PT2 */
		put64(&v, 0x11010, 0x800000 | P_BIG);             /* PD[2]: 2 MiB */
		for (uint64_t i = 0; i < 16; i++)
			put64(&v, 0x12000 + 8 * i, i << 12 | P_RW);
		put64(&v, 0x13000 + 8 * 0x1ff, 0x5000 | P_RW);
	}
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	s.cr3 = 0x10000;
	s.cr4 = pae ? 1 << 5 : 1 << 4;
	s.cr0 = 0x80000011;
	s.cs = (struct kvm_segment){ .limit = 0xffffffff, .selector = 8, .type = 11,
				     .present = 1, .s = 1, .db = 1, .g = 1 };
	s.ds = s.es = s.ss = (struct kvm_segment){ .limit = 0xffffffff, .selector = 0x10,
						    .type = 3, .present = 1, .s = 1, .db = 1,
						    .g = 1 };
	VM_SET_SREGS(&v, &s);
	struct kvm_regs r = { .rip = 0x1000, .rflags = 2, .rsp = 0x9000 };
	VM_SET_REGS(&v, &r);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_EQ(&v, "read through the large page", 0xc0ffee42, io32(&v));
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	uint32_t got;
	memcpy(&got, vmm_hva(&v, 0x5010), 4);
	WANT_EQ(&v, "written through the 4 KiB page, at physical 0x5010", 0x600dbeef, got);
	vmm_close(&v);
}

TEST(paging_32bit)
{
	if (vmm_kvm_is_pvm())
		CHECK_SKIP("on kvm_pvm: it shuts a 32-bit paged guest down: see FACTS.md");
	paged32(0);
}
END_TEST

TEST(paging_pae)
{
	if (vmm_kvm_is_pvm())
		CHECK_SKIP("on kvm_pvm: no 32-bit paged guests: see FACTS.md");
	paged32(1);
}
END_TEST

/* Long mode at 0x1000 with a GDT at 0x2800 and an IDT at 0x3000 whose
 * vector 14 (a 64-bit interrupt gate) enters the guest's handler at 0x1040
 * (pf64.asm's layout); cr4 bits added to KVM_SET_SREGS's. */
static void lm_pf_handler(struct vmm *v, uint64_t cr4, const char *file, int line)
{
	put64(v, 0x2800, 0);
	put64(v, 0x2808, 0x00209b0000000000ull);          /* 0x08 code 64 */
	put64(v, 0x2810, 0x00cf93000000ffffull);
	put64(v, 0x3000 + 14 * 16, 0x1040 | 8ull << 16 | 0x8eull << 40);
	put64(v, 0x3000 + 14 * 16 + 8, 0);
	long_mode(v, 0x1000, file, line);
	struct kvm_sregs s;
	vmm_get_sregs(v, &s, file, line);
	s.cr4 |= cr4;
	s.gdt.base = 0x2800;
	s.gdt.limit = 0x17;
	s.idt.base = 0x3000;
	s.idt.limit = 16 * 15 - 1;
	vmm_set_sregs(v, &s, file, line);
}
#define LM_PF_HANDLER(v, cr4) lm_pf_handler((v), (cr4), __FILE__, __LINE__)

struct want_out { const char *what; uint32_t val; };

/* Runs to n OUTs of the values in want, then to HLT. */
static void want_outs(struct vmm *v, const struct want_out *want, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		VM_RUN(v);
		WANT_EXIT(v, KVM_EXIT_IO);
		WANT_EQ(v, want[i].what, want[i].val, io32(v));
	}
	VM_RUN(v);
	WANT_EXIT(v, KVM_EXIT_HLT);
}

/* #PF in long mode through a 64-bit interrupt gate: CR2 = the address,
 * error code 0 (not present, read, supervisor), RIP of the faulting load. */
TEST(page_fault_64)
{
	struct vmm v;
	VM_OPEN(&v);
	VM_SLOT(&v, 0, 0, 0x100000);
	VM_LOAD(&v, "pf64", 0x1000);
	lm_tables(&v);
	LM_PF_HANDLER(&v, 0);
	static const struct want_out want[] = {
		{ "CR2 in the #PF handler", 0x7fff000 },
		{ "#PF error code (not present, read, supervisor)", 0 },
		{ "RIP pushed (the faulting mov)", 0x1009 },
	};
	want_outs(&v, want, sizeof want / sizeof want[0]);
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	WANT_EQ(&v, "sregs.cr2", 0x7fff000, s.cr2);
	vmm_close(&v);
}
END_TEST

/* Ring 3 in long mode, `int 0x40` through a DPL-3 gate: the CPU switches to
 * TSS.RSP0, SS becomes a null selector, the old SS:RSP, RFLAGS, CS:RIP are
 * pushed (SDM vol. 3, 6.14.2, 7.7). */
TEST(user_int_64)
{
	if (vmm_kvm_is_pvm())
		CHECK_SKIP("on kvm_pvm: it shuts the guest down at the int: PVM "
		           "delivers ring-3 events its own way; see FACTS.md");
	struct vmm v;
	VM_OPEN(&v);
	VM_SLOT(&v, 0, 0, 0x100000);
	VM_LOAD(&v, "user_int", 0x1000);
	put64(&v, 0x10000, 0x11000 | 7);                  /* user-accessible tables */
	put64(&v, 0x11000, 0x12000 | 7);
	put64(&v, 0x12000, 0x87);
	put64(&v, 0x2800, 0);
	put64(&v, 0x2808, 0x00209b0000000000ull);         /* 0x08 kernel code 64 */
	put64(&v, 0x2810, 0x00cf93000000ffffull);         /* 0x10 kernel data */
	put64(&v, 0x2818, 0x0020fb0000000000ull);         /* 0x18 user code 64, DPL 3 */
	put64(&v, 0x2820, 0x00cff3000000ffffull);         /* 0x20 user data, DPL 3 */
	put64(&v, 0x3000 + 0x40 * 16, 0x1040 | 8ull << 16 | 0xeeull << 40);
	put64(&v, 0x3000 + 0x40 * 16 + 8, 0);
	put64(&v, 0x4004, 0x8000);                        /* TSS.RSP0 */
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	s.cr3 = 0x10000;
	s.cr4 = 1 << 5;
	s.cr0 = 0x80000011;
	s.efer = 0x500;
	s.cs = (struct kvm_segment){ .limit = 0xffffffff, .selector = 0x1b, .type = 11,
				     .present = 1, .dpl = 3, .s = 1, .l = 1, .g = 1 };
	s.ds = s.es = s.ss = (struct kvm_segment){ .limit = 0xffffffff, .selector = 0x23,
		.type = 3, .present = 1, .dpl = 3, .s = 1, .db = 1, .g = 1 };
	s.tr = (struct kvm_segment){ .base = 0x4000, .limit = 0x67, .selector = 0x28, .type = 11,
				     .present = 1 };
	s.gdt.base = 0x2800;
	s.gdt.limit = 0x2f;
	s.idt.base = 0x3000;
	s.idt.limit = 0x41 * 16 - 1;
	VM_SET_SREGS(&v, &s);
	struct kvm_regs r = { .rip = 0x1000, .rflags = 0x3002, .rsp = 0x9000 };
	VM_SET_REGS(&v, &r);
	static const struct { const char *what; uint32_t val; } want[] = {
		{ "CS in the handler", 0x08 },
		{ "SS in the handler (null, RPL 0)", 0 },
		{ "RSP in the handler (TSS.RSP0 - 5 * 8)", 0x8000 - 40 },
		{ "pushed CS", 0x1b },
		{ "pushed SS", 0x23 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		VM_RUN(&v);
		WANT_EXIT(&v, KVM_EXIT_IO);
		WANT_EQ(&v, want[i].what, want[i].val, io32(&v));
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* KVM_MEM_READONLY: reads come from the slot's memory; a write is a
 * KVM_EXIT_MMIO with is_write 1 and RIP past it, and the memory keeps its
 * byte. KVM_MEM_LOG_DIRTY_PAGES: KVM_GET_DIRTY_LOG gives a bit per page the
 * guest wrote, and clears them (kvm_get_dirty_log_protect); host writes
 * aren't logged; a slot without logging is ENOENT. */
TEST(readonly_and_dirty_log)
{
	struct vmm v;
	VM_OPEN(&v);
	VM_SLOT(&v, 0, 0x1000, 0x10000);
	VM_LOAD(&v, "ro_dirty", 0x1000);
	VM_REAL_MODE(&v, 0x1000);
	uint8_t *ro = SLOT_FLAGS(&v, 1, 0x20000, 0x1000, KVM_MEM_READONLY);
	uint8_t *log = SLOT_FLAGS(&v, 2, 0x30000, 0x4000, KVM_MEM_LOG_DIRTY_PAGES);
	ro[0x10] = 0xa7;
	log[0x2000] = 1;                                   /* a host write: not logged */
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_BYTES(&v, "byte read from the read-only slot", "\xa7", vmm_io_data(&v), 1);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_MMIO);
	WANT_EQ(&v, "mmio.phys_addr (write to the read-only slot)", 0x20010, v.run->mmio.phys_addr);
	WANT_EQ(&v, "mmio.len", 1, v.run->mmio.len);
	WANT_EQ(&v, "mmio.is_write", 1, v.run->mmio.is_write);
	WANT_BYTES(&v, "mmio.data", "\x55", v.run->mmio.data, 1);
	WANT_EQ(&v, "rip past the write", 0x1013, vmm_rip(&v));
	WANT_EQ(&v, "the read-only slot's byte", 0xa7, ro[0x10]);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_BYTES(&v, "byte read again", "\xa7", vmm_io_data(&v), 1);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	uint64_t bits[1] = { ~0ull };
	struct kvm_dirty_log d = { .slot = 2, .dirty_bitmap = bits };
	if (ioctl(v.vm, KVM_GET_DIRTY_LOG, &d) != 0)
		FAIL(&v, "KVM_GET_DIRTY_LOG slot 2: %s", strerror(errno));
	WANT_EQ(&v, "dirty bitmap (pages 0 and 3 written by the guest)", 0x9, bits[0]);
	bits[0] = ~0ull;
	if (ioctl(v.vm, KVM_GET_DIRTY_LOG, &d) != 0)
		FAIL(&v, "KVM_GET_DIRTY_LOG slot 2 again: %s", strerror(errno));
	WANT_EQ(&v, "dirty bitmap after a get (cleared)", 0, bits[0]);
	d.slot = 0;
	errno = 0;
	int r = ioctl(v.vm, KVM_GET_DIRTY_LOG, &d);
	if (r != -1 || errno != ENOENT)
		FAIL(&v, "KVM_GET_DIRTY_LOG on a slot without logging: want -1 ENOENT, got %d (%s)",
		     r, strerror(errno));
	/* Toggling KVM_MEM_READONLY on an existing slot is EINVAL. */
	struct kvm_userspace_memory_region m = { .slot = 1, .guest_phys_addr = 0x20000,
		.memory_size = 0x1000, .userspace_addr = (uintptr_t)ro };
	errno = 0;
	r = ioctl(v.vm, KVM_SET_USER_MEMORY_REGION, &m);
	if (r != -1 || errno != EINVAL)
		FAIL(&v, "clearing KVM_MEM_READONLY of slot 1: want -1 EINVAL, got %d (%s)", r,
		     strerror(errno));
	vmm_close(&v);
}
END_TEST

/* Dirty logging sees the CPU's own writes: walking the tables sets their
 * Accessed bits, and KVM logs those pages (measured); a load doesn't dirty
 * its page, nor does running code. */
TEST(dirty_log_page_tables)
{
	struct vmm v;
	VM_OPEN(&v);
	SLOT_FLAGS(&v, 0, 0, 0x100000, KVM_MEM_LOG_DIRTY_PAGES);
	VM_LOAD(&v, "lm_read", 0x1000);
	low_tables(&v);
	LONG_MODE(&v, 0x1000);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	uint64_t bits[4] = { 0 };
	struct kvm_dirty_log d = { .slot = 0, .dirty_bitmap = bits };
	if (ioctl(v.vm, KVM_GET_DIRTY_LOG, &d) != 0)
		FAIL(&v, "KVM_GET_DIRTY_LOG: %s", strerror(errno));
	WANT_EQ(&v, "dirty bitmap, pages 0-63 (the tables at 0x10000-0x12000: bits 16-18)",
		0x70000, bits[0]);
	WANT_EQ(&v, "dirty bitmap, pages 64-255", 0, bits[1] | bits[2] | bits[3]);
	vmm_close(&v);
}
END_TEST

/* A store across a page boundary that is also a slot boundary: both pages
 * are written, both logged (mark_page_dirty_in_slot for each part). The
 * engine reports such a store once, by its first byte (kvmemu: mmu.c
 * mmu_dirty_straddle). */
TEST(dirty_log_straddle)
{
	struct vmm v;
	VM_OPEN(&v);
	SLOT_FLAGS(&v, 0, 0, 0x100000, KVM_MEM_LOG_DIRTY_PAGES);
	SLOT_FLAGS(&v, 1, 0x100000, 0x10000, KVM_MEM_LOG_DIRTY_PAGES);
	VM_LOAD(&v, "lm_dirty_straddle", 0x1000);
	low_tables(&v);
	LONG_MODE(&v, 0x1000);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "byte at 0xfffff", 0x34, *vmm_hva(&v, 0xfffff));
	WANT_EQ(&v, "byte at 0x100000", 0x12, *vmm_hva(&v, 0x100000));
	uint64_t bits[4] = { 0 }, bits1[1] = { 0 };
	struct kvm_dirty_log d = { .slot = 0, .dirty_bitmap = bits };
	if (ioctl(v.vm, KVM_GET_DIRTY_LOG, &d) != 0)
		FAIL(&v, "KVM_GET_DIRTY_LOG slot 0: %s", strerror(errno));
	WANT_EQ(&v, "slot 0 dirty, page 0xff (the store's first byte)", 1, bits[3] >> 63 & 1);
	d = (struct kvm_dirty_log){ .slot = 1, .dirty_bitmap = bits1 };
	if (ioctl(v.vm, KVM_GET_DIRTY_LOG, &d) != 0)
		FAIL(&v, "KVM_GET_DIRTY_LOG slot 1: %s", strerror(errno));
	WANT_EQ(&v, "slot 1 dirty bitmap (its first page: the store's second byte)", 1, bits1[0]);
	vmm_close(&v);
}
END_TEST

/* SMAP (SDM vol. 3, 4.6.1) with the guest's CPUID offering it: a CPL-0
 * load from a user page faults, allowed once STAC sets RFLAGS.AC.
 * Virtual 0x200000 is a 2 MiB user page onto physical 0 (U=1 at every
 * level); the code, stack and tables are supervisor pages. */
TEST(smap_64)
{
	struct vmm v;
	VM_OPEN(&v);
	VM_SLOT(&v, 0, 0, 0x100000);
	VM_LOAD(&v, "lm_smap", 0x1000);
	put64(&v, 0x10000, 0x11000 | P_RW | 4);              /* PML4[0], U */
	put64(&v, 0x11000, 0x12000 | P_RW | 4);              /* PDPT[0], U */
	put64(&v, 0x12000, 0 | P_BIG);                       /* PD[0]: supervisor */
	put64(&v, 0x12008, 0 | P_BIG | 4);                   /* PD[1]: user, onto 0 */
	put32(&v, 0x5000, 0xabcd1234);
	struct kvm_cpuid_entry2 e[] = {
		{ .function = 0, .eax = 7, .ebx = 0x68747541, .ecx = 0x444d4163, .edx = 0x69746e65 },
		{ .function = 7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		  .ebx = 1u << 20 },                             /* SMAP */
		{ .function = 0x80000000, .eax = 0x80000001 },
		{ .function = 0x80000001, .edx = 1u << 29 },     /* LM */
	};
	struct kvm_cpuid2 *c = calloc(1, sizeof *c + sizeof e);
	c->nent = 4;
	memcpy(c->entries, e, sizeof e);
	if (ioctl(v.vcpu, KVM_SET_CPUID2, c) != 0)
		FAIL(&v, "KVM_SET_CPUID2: %s", strerror(errno));
	free(c);
	LM_PF_HANDLER(&v, 1u << 21);                         /* CR4.SMAP */
	static const struct want_out want[] = {
		{ "CR2 in the #PF handler (the user page)", 0x205000 },
		{ "#PF error code (present, read, supervisor)", 1 },
		{ "the load after STAC", 0xabcd1234 },
	};
	want_outs(&v, want, sizeof want / sizeof want[0]);
	vmm_close(&v);
}
END_TEST
