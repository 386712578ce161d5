/*
 * mmu.c - linear to guest-physical, for kvmemu's own accesses on the guest's
 * behalf: instruction bytes at an exit, string I/O operands, descriptor
 * tables and stacks during interrupt delivery.
 *
 * The guest's own accesses are translated by Unicorn 2.1 (QEMU's page walk,
 * UC_TLB_CPU). This walk reads the same tables from the slots: 32-bit paging
 * (4 KiB, and 4 MiB pages with CR4.PSE, PSE-36), PAE (4 KiB, 2 MiB) and
 * 4-level long mode (4 KiB, 2 MiB, 1 GiB) — SDM vol. 3, 4.3-4.5. It checks
 * presence and page size only, and sets no Accessed/Dirty bits: kvmemu
 * reads instruction bytes the engine has already fetched with it. The
 * accesses the CPU or KVM's emulator make for the guest (event delivery,
 * string I/O operands) go through mmu_access / mmu_data below: checked,
 * and setting A/D bits.
 */
#include "kvmemu.h"

#include <string.h>


static bool rd(struct vm *vm, uint64_t gpa, int n, uint64_t *val)
{
	const uint8_t *p = gpa_ptr(vm, gpa, (uint64_t)n);
	if (!p)
		return false;
	*val = 0;
	memcpy(val, p, (size_t)n);
	return true;
}

/* One entry of a table; false when it isn't RAM or isn't present. */
static bool entry(struct vm *vm, uint64_t table, uint64_t index, int n, uint64_t *e)
{
	return rd(vm, table + index * (uint64_t)n, n, e) && (*e & PTE_P);
}

static bool walk(struct vcpu *v, uint64_t lin, bool lma, uint64_t cr3, uint64_t *gpa);

bool mmu_translate(struct vcpu *v, uint64_t lin, uint64_t *gpa)
{
	struct cpu *c = &v->cpu;
	uint64_t cr0 = reg_get(c, UC_X86_REG_CR0);
	if (!(cr0 & CR0_PG)) {
		*gpa = lin & 0xffffffffull;
		return true;
	}
	uint64_t cr3 = reg_get(c, UC_X86_REG_CR3);
	bool lma = cpu_env(c)->efer & EFER_LMA;
	if (!lma)
		lin &= 0xffffffffull;
	/* One cached page: block_hook translates every block it sees. */
	if (c->xlat_valid && c->xlat_cr3 == cr3 && c->xlat_page == lin >> 12) {
		*gpa = c->xlat_gpa | (lin & 0xfff);
		return true;
	}
	if (!walk(v, lin, lma, cr3, gpa))
		return false;
	c->xlat_valid = true;
	c->xlat_cr3 = cr3;
	c->xlat_page = lin >> 12;
	c->xlat_gpa = *gpa & ~0xfffull;
	return true;
}

/* The last two levels of PAE and 4-level paging (same 8-byte entries):
 * the page directory at pd (a 2 MiB page or a page table), then 4 KiB. */
static bool walk_pd(struct vm *vm, uint64_t pd, uint64_t lin, uint64_t *gpa)
{
	uint64_t e;
	if (!entry(vm, pd, PX(1, lin), 8, &e))
		return false;
	if (e & PTE_PS) {
		*gpa = (e & 0x000fffffffe00000ull) | (lin & 0x1fffff);
		return true;
	}
	if (!entry(vm, e & PTE_ADDR, PX(0, lin), 8, &e))
		return false;
	*gpa = (e & PTE_ADDR) | (lin & 0xfff);
	return true;
}

/* The walk itself (SDM vol. 3, 4.3 32-bit, 4.4 PAE, 4.5 4-level). */
static bool walk(struct vcpu *v, uint64_t lin, bool lma, uint64_t cr3, uint64_t *gpa)
{
	struct cpu *c = &v->cpu;
	uint64_t cr4 = reg_get(c, UC_X86_REG_CR4), e;
	struct vm *vm = v->vm;
	if (lma) {                                                  /* 4-level */
		if (!entry(vm, cr3 & PTE_ADDR, PX(3, lin), 8, &e) ||
		    !entry(vm, e & PTE_ADDR, PX(2, lin), 8, &e))
			return false;
		if (e & PTE_PS) {
			*gpa = (e & 0x000fffffc0000000ull) | (lin & 0x3fffffff);
			return true;
		}
		return walk_pd(vm, e & PTE_ADDR, lin, gpa);
	}
	if (cr4 & CR4_PAE) {
		if (!entry(vm, cr3 & 0xffffffe0ull, lin >> 30 & 3, 8, &e))
			return false;
		return walk_pd(vm, e & PTE_ADDR, lin, gpa);
	}
	if (!entry(vm, cr3 & 0xfffff000ull, lin >> 22 & 1023, 4, &e))  /* 32-bit */
		return false;
	if ((e & PTE_PS) && (cr4 & CR4_PSE)) {                      /* 4 MiB, PSE-36 */
		*gpa = (e & 0xffc00000ull) | ((e >> 13 & 0xff) << 32) | (lin & 0x3fffff);
		return true;
	}
	if (!entry(vm, e & 0xfffff000ull, lin >> 12 & 1023, 4, &e))
		return false;
	*gpa = (e & 0xfffff000ull) | (lin & 0xfff);
	return true;
}

/* ---- accesses the CPU makes while delivering an event ----
 * Descriptor tables, the TSS and the new stack are read and written with
 * the CPU's checks (SDM vol. 3, 4.6 access rights, 4.7 page-fault error
 * code): an entry not present, a reserved bit set, a write to a read-only
 * page (supervisor: only with CR0.WP) or a user access to a supervisor page
 * is a #PF with CR2 = the address; with CR4.SMAP a supervisor access to a
 * user page too (4.6.1: these accesses are implicit, RFLAGS.AC doesn't
 * matter). A table or page outside every slot is NOMEM: KVM can't deliver
 * the event there either (the caller's exit).
 *
 * An access that passes sets the Accessed bit of every entry it used and,
 * for a write, the Dirty bit of the entry that maps the page (SDM vol. 3,
 * 4.8). The CPU does so for its own accesses, and KVM's emulator for the
 * operands of an instruction it carries out (arch/x86/kvm/mmu/
 * paging_tmpl.h FNAME(walk_addr_generic) -> update_accessed_dirty_bits):
 * here the string I/O operands (mmu_data). Those are guest writes to the
 * tables: dirty-logged. */

/* The entries one walk used (gpa and size), leaf last. */
struct used {
	uint64_t gpa[5];
	int size[5];
	int n;
};

/* One paging-structure entry at gpa (n bytes); reserved: its reserved bits
 * at this level. XLAT_NOMEM, XLAT_PF (not present / reserved) or XLAT_OK. */
static enum xlat step(struct vm *vm, uint64_t gpa, int n, uint64_t reserved, uint64_t *e,
		      uint32_t *err, struct used *u)
{
	if (!rd(vm, gpa, n, e))
		return XLAT_NOMEM;
	if (!(*e & PTE_P))
		return XLAT_PF;
	if (*e & reserved) {
		*err |= PFERR_P | PFERR_RSVD;
		return XLAT_PF;
	}
	u->gpa[u->n] = gpa;
	u->size[u->n++] = n;
	return XLAT_OK;
}

/* Sets bits in the entry at gpa (n bytes) unless they are set already. */
static void set_bits(struct vm *vm, uint64_t gpa, int n, uint64_t bits)
{
	uint8_t *p = gpa_ptr(vm, gpa, (uint64_t)n);
	uint64_t e = 0;
	if (!p || !gpa_writable(vm, gpa, (uint64_t)n))
		return;
	memcpy(&e, p, (size_t)n);
	if ((e & bits) == bits)
		return;
	e |= bits;
	memcpy(p, &e, (size_t)n);
	slot_dirty(vm, gpa, (uint64_t)n);
}

/* The walk of an access. smap_ac: an explicit access, for which RFLAGS.AC
 * lifts SMAP (4.6.1); false for the CPU's implicit ones. peek: only look,
 * the entries used go there (those read before a fault too), no rights
 * checked and no A/D bit set. */
static enum xlat walk_access(struct vcpu *v, uint64_t lin, bool write, bool user, bool smap_ac,
			       uint64_t *gpa, uint32_t *pferr, struct used *peek)
{
	struct cpu *c = &v->cpu;
	uint64_t cr0 = reg_get(c, UC_X86_REG_CR0), cr4 = reg_get(c, UC_X86_REG_CR4);
	*pferr = (write ? PFERR_W : 0) | (user ? PFERR_U : 0);
	if (!(cr0 & CR0_PG)) {
		*gpa = lin & 0xffffffffull;
		return XLAT_OK;
	}
	bool lma = cpu_env(c)->efer & EFER_LMA;
	uint64_t nx = (cpu_env(c)->efer & EFER_NXE) ? 0 : PTE_NX;
	uint64_t rsvd = PHYS_RSVD(cpuid_maxphyaddr(v)) | nx, e = 0, table, size;
	bool rw = true, us = true;
	struct used own = { .n = 0 }, *u = peek ? peek : &own;
	enum xlat r;
	int level;
	if (lma) {
		table = reg_get(c, UC_X86_REG_CR3) & PTE_ADDR;
		level = 3;
	} else if (cr4 & CR4_PAE) {
		r = step(v->vm, (reg_get(c, UC_X86_REG_CR3) & 0xffffffe0ull) + (lin >> 30 & 3) * 8,
			 8, rsvd | 0x1e6 | PTE_NX, &e, pferr, u);
		if (r != XLAT_OK)
			return r;
		u->n = 0;                     /* PDPTEs have no A bit: loaded at MOV CR3 */
		table = e & PTE_ADDR;
		level = 1;
		lin &= 0xffffffffull;
	} else {                                          /* 32-bit: no reserved bits but PSE-36's */
		lin &= 0xffffffffull;
		r = step(v->vm, (reg_get(c, UC_X86_REG_CR3) & 0xfffff000ull) + (lin >> 22) * 4, 4, 0,
			 &e, pferr, u);
		if (r != XLAT_OK)
			return r;
		rw = e & PTE_RW;
		us = e & PTE_US;
		if ((e & PTE_PS) && (cr4 & CR4_PSE)) {
			*gpa = (e & 0xffc00000ull) | ((e >> 13 & 0xff) << 32) | (lin & 0x3fffff);
			goto rights;
		}
		r = step(v->vm, (e & 0xfffff000ull) + (lin >> 12 & 1023) * 4, 4, 0, &e, pferr, u);
		if (r != XLAT_OK)
			return r;
		*gpa = (e & 0xfffff000ull) | (lin & 0xfff);
		rw = rw && (e & PTE_RW);
		us = us && (e & PTE_US);
		goto rights;
	}
	for (;; level--) {
		/* PS is reserved in a PML4E; a large page's address bits below
		 * its size (but PAT, bit 12) are reserved too. */
		uint64_t lvl_rsvd = rsvd | (level == 3 ? PTE_PS : 0);
		r = step(v->vm, table + PX(level, lin) * 8, 8, lvl_rsvd, &e, pferr, u);
		if (r != XLAT_OK)
			return r;
		rw = rw && (e & PTE_RW);
		us = us && (e & PTE_US);
		if (level == 0 || ((e & PTE_PS) && level <= 2)) {
			size = 1ull << (12 + 9 * level);
			if (level && (e & (size - 1) & PTE_ADDR & ~0x1000ull)) {
				*pferr |= PFERR_P | PFERR_RSVD;
				return XLAT_PF;
			}
			*gpa = (e & PTE_ADDR & ~(size - 1)) | (lin & (size - 1));
			break;
		}
		table = e & PTE_ADDR;
	}
rights:
	*pferr |= PFERR_P;                   /* from here on the page is present */
	if (peek)
		return XLAT_OK;
	if ((user && !us) || (write && !rw && (user || (cr0 & CR0_WP))))
		return XLAT_PF;
	/* SMAP (4.6.1): a supervisor access to a user page. */
	if (!user && us && (cr4 & CR4_SMAP) &&
	    !(smap_ac && (reg_get(c, UC_X86_REG_EFLAGS) & RFL_AC)))
		return XLAT_PF;
	for (int i = 0; i < u->n; i++)
		set_bits(v->vm, u->gpa[i], u->size[i],
			 PTE_A | (write && i == u->n - 1 ? PTE_D : 0));
	*pferr = 0;
	return XLAT_OK;
}

enum xlat mmu_access(struct vcpu *v, uint64_t lin, bool write, bool user, uint64_t *gpa,
		     uint32_t *pferr)
{
	return walk_access(v, lin, write, user, false, gpa, pferr, NULL);
}

/* The entry that maps lin (a PTE, or a PDE/PDPTE with PS): its gpa and
 * size; false without paging or when lin isn't mapped. Sets no bit. */
bool mmu_leaf(struct vcpu *v, uint64_t lin, uint64_t *egpa, int *esize)
{
	struct used u = { .n = 0 };
	uint64_t gpa;
	uint32_t pferr;
	if (walk_access(v, lin, false, false, false, &gpa, &pferr, &u) != XLAT_OK || !u.n)
		return false;
	*egpa = u.gpa[u.n - 1];
	*esize = u.size[u.n - 1];
	return true;
}

/* The Accessed bits a walk of lin would set, noted (only those clear now),
 * and cleared again: Unicorn's uc_mem_unmap invalidates a page's
 * translations by walking its guest-physical address as a linear one
 * (measured: unmapping MMIO page 0x410000 set A in the identity-mapped
 * PDE for 0x400000), which the CPU never does. */
void mmu_a_note(struct vcpu *v, uint64_t lin, struct a_note *a)
{
	struct used u = { .n = 0 };
	uint64_t gpa, e = 0;
	uint32_t pferr;
	a->n = 0;
	walk_access(v, lin, false, false, false, &gpa, &pferr, &u);
	for (int i = 0; i < u.n; i++) {
		if (!rd(v->vm, u.gpa[i], u.size[i], &e) || (e & PTE_A))
			continue;
		a->gpa[a->n] = u.gpa[i];
		a->size[a->n++] = u.size[i];
	}
}

void mmu_a_restore(struct vcpu *v, const struct a_note *a)
{
	for (int i = 0; i < a->n; i++) {
		uint8_t *p = gpa_ptr(v->vm, a->gpa[i], (uint64_t)a->size[i]);
		uint64_t e = 0;
		if (!p)
			continue;
		memcpy(&e, p, (size_t)a->size[i]);
		e &= ~PTE_A;
		memcpy(p, &e, (size_t)a->size[i]);
	}
}

/* An explicit access an emulated instruction makes to [lin, lin + len)
 * (string I/O operands), page by page, at the current CPL, as KVM's
 * emulator checks it (FNAME(walk_addr_generic): #PF on a not-present,
 * read-only, supervisor or SMAP-protected page) and with the A/D bits it
 * sets. XLAT_PF: *pferr and *cr2 say where; the pages before it passed. */
enum xlat mmu_data(struct vcpu *v, uint64_t lin, uint32_t len, bool write, uint32_t *pferr,
		   uint64_t *cr2)
{
	bool user = (cpu_env(&v->cpu)->hflags & HF_CPL_MASK) == 3;
	while (len) {
		uint32_t n = PAGE_SZ - (uint32_t)(lin & 0xfff);
		uint64_t gpa;
		if (n > len)
			n = len;
		enum xlat x = walk_access(v, lin, write, user, true, &gpa, pferr, NULL);
		if (x != XLAT_OK) {
			*cr2 = lin;
			return x;
		}
		lin += n;
		len -= n;
	}
	return XLAT_OK;
}

/* Host address of [lin, lin + len) when it lies in one page of RAM. */
uint8_t *lin_ptr(struct vcpu *v, uint64_t lin, uint32_t len)
{
	uint64_t gpa;
	if (len == 0 || ((lin & 0xfff) + len > PAGE_SZ) || !mmu_translate(v, lin, &gpa))
		return NULL;
	return gpa_ptr(v->vm, gpa, len);
}

/* Copy between guest linear memory and buf, page by page. false: some byte
 * isn't RAM (nothing is copied past it). */
static bool lin_copy(struct vcpu *v, uint64_t lin, void *buf, uint32_t len, bool write)
{
	uint8_t *b = buf;
	while (len) {
		uint32_t n = PAGE_SZ - (uint32_t)(lin & 0xfff);
		if (n > len)
			n = len;
		uint8_t *p = lin_ptr(v, lin, n);
		if (!p)
			return false;
		if (write) {
			uint64_t gpa;
			mmu_translate(v, lin, &gpa);
			if (!gpa_writable(v->vm, gpa, n))
				return false;
			memcpy(p, b, n);
			slot_dirty(v->vm, gpa, n);
		} else {
			memcpy(b, p, n);
		}
		lin += n;
		b += n;
		len -= n;
	}
	return true;
}

bool lin_read(struct vcpu *v, uint64_t lin, void *buf, uint32_t len)
{
	return lin_copy(v, lin, buf, len, false);
}

bool lin_write(struct vcpu *v, uint64_t lin, const void *buf, uint32_t len)
{
	return lin_copy(v, lin, (void *)buf, len, true);
}

/* ---- dirty logging of a write that crosses a page boundary ----
 * Unicorn reports such a write once, with the guest-physical address of its
 * first byte and its whole size (cputlb.c store_helper: the byte stores of
 * the split fire no hook), so the page the rest lands on isn't named; with
 * paging it needn't be the next physical page. KVM logs both (each part is
 * its own write). The linear address is found again from the instruction
 * at RIP (exact inside a memory hook, cpu.c precise_pc_hook): its memory
 * operand (insn.c), or RDI (string stores), or the push below RSP — the
 * candidate whose page offset and translation match the first byte's. */

static bool write_linear(struct vcpu *v, uint64_t paddr, int size, uint64_t *lin)
{
	struct cpu *c = &v->cpu;
	struct mem_operand m;
	uint64_t cand[3], gpa;
	int n = 0;
	if (insn_mem_operand(v, cpu_lip(c), &m) && m.valid)
		cand[n++] = m.ea;
	cand[n++] = reg_get(c, UC_X86_REG_RDI);
	cand[n++] = reg_get(c, UC_X86_REG_RSP) - (uint64_t)size;
	for (int i = 0; i < n; i++)
		if ((cand[i] & 0xfff) == (paddr & 0xfff) && mmu_translate(v, cand[i], &gpa) &&
		    gpa == paddr) {
			*lin = cand[i];
			return true;
		}
	return false;
}

/* Inside the engine's write hook: paddr's size bytes end past its page. */
void mmu_dirty_straddle(struct vcpu *v, uint64_t paddr, int size)
{
	struct cpu *c = &v->cpu;
	uint64_t lin, gpa, rest = (paddr & 0xfff) + (uint64_t)size - PAGE_SZ;
	/* The guest runs: what kvmemu cached of its state is stale. */
	c->env.valid = false;
	c->xlat_valid = false;
	if (!(reg_get(c, UC_X86_REG_CR0) & CR0_PG)) {
		slot_dirty(v->vm, (paddr | 0xfff) + 1, rest);
	} else if (write_linear(v, paddr, size, &lin) &&
		   mmu_translate(v, (lin | 0xfff) + 1, &gpa)) {
		slot_dirty(v->vm, gpa, rest);
	} else {
		/* Not found: every page counts as written (a superset is what
		 * a dirty log may hold; a missing page is not). */
		if (!c->straddle_warned)
			kvmemu_diag("dirty logging: a write across a page boundary at 0x%llx whose "
				    "second page wasn't found: every page logged dirty",
				    (unsigned long long)cpu_lip(c));
		c->straddle_warned = true;
		for (int i = 0; i < KVMEMU_MAX_SLOTS; i++)
			if (v->vm->slots[i].used && v->vm->slots[i].dirty)
				slot_dirty(v->vm, v->vm->slots[i].gpa, v->vm->slots[i].size);
	}
	c->env.valid = false;
	c->xlat_valid = false;
}

/* ---- dirty logging of the CPU's own page-table writes ----
 * The CPU sets Accessed/Dirty bits in the guest's page tables as it walks
 * them; on KVM those are writes to guest memory and dirty-logged (measured:
 * the three table pages of a 4-level walk come back dirty). QEMU sets them
 * without any memory hook. So before each KVM_RUN, with paging on and a
 * slot logging, the tables reachable from CR3 are hashed (their entries'
 * A/D bits), and after it the same pages again, whatever paging is then (a
 * guest that turned it off or moved CR3 had its walks set the bits all the
 * same: corpus p06c); a table whose bits changed is dirty. Capped at
 * MAX_TABLES tables per walk (a diagnostic past that). */

#define MAX_TABLES 4096
#define AD_BITS 0x60ull

static uint64_t ad_hash(const uint8_t *t, int esize)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (int i = 0; i < (int)PAGE_SZ; i += esize) {
		uint64_t e = 0;
		memcpy(&e, t + i, (size_t)esize);
		h = (h ^ (e & AD_BITS)) * 0x100000001b3ull;
	}
	return h;
}

struct adwalk {
	struct vcpu *v;
	int tables;
};

/* What ad_tables keeps for a table: its hash, and its entries' size. */
static uintptr_t ad_val(const uint8_t *t, int esize)
{
	return (uintptr_t)(ad_hash(t, esize) & ~3ull) | (esize == 8 ? 3 : 1);
}

/* One table at gpa, `levels` levels of tables under it (0: leaf table). */
static void ad_table(struct adwalk *w, uint64_t gpa, int levels, int esize, int entries)
{
	struct cpu *c = &w->v->cpu;
	const uint8_t *t = gpa_ptr(w->v->vm, gpa & ~0xfffull, PAGE_SZ);
	if (!t || ++w->tables > MAX_TABLES)
		return;
	ps_put(&c->ad_tables, gpa >> 12, (void *)ad_val(t, esize));
	if (levels == 0)
		return;
	for (int i = 0; i < entries; i++) {
		uint64_t e = 0;
		memcpy(&e, t + (gpa & 0xfff) + (size_t)i * (size_t)esize, (size_t)esize);
		if (!(e & 1) || (levels < 3 && (e & 0x80)))   /* not present; a large page */
			continue;
		ad_table(w, e & (esize == 8 ? PTE_ADDR : 0xfffff000ull), levels - 1, esize,
			 esize == 8 ? 512 : 1024);
	}
}

static bool logging(struct vm *vm)
{
	for (int i = 0; i < KVMEMU_MAX_SLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].dirty)
			return true;
	return false;
}

/* The tables hashed before the run whose A/D bits changed: dirty. */
static void ad_compare(struct vcpu *v)
{
	struct pageset *ps = &v->cpu.ad_tables;
	for (uint32_t i = 0; i < ps->cap; i++) {
		if (!ps->keys[i])
			continue;
		uint64_t gpa = (ps->keys[i] - 1) << 12;
		uintptr_t old = (uintptr_t)ps->vals[i];
		const uint8_t *t = gpa_ptr(v->vm, gpa, PAGE_SZ);
		if (t && ad_val(t, old & 2 ? 8 : 4) != old)
			slot_dirty(v->vm, gpa, PAGE_SZ);
	}
}

/* after = false: before the guest runs; true: after it stopped. */
void mmu_ad_track(struct vcpu *v, bool after)
{
	struct cpu *c = &v->cpu;
	if (after) {
		if (logging(v->vm))
			ad_compare(v);
		return;
	}
	ps_clear(&c->ad_tables, false);
	if (!logging(v->vm) || !(reg_get(c, UC_X86_REG_CR0) & CR0_PG))
		return;
	struct adwalk w = { .v = v };
	uint64_t cr3 = reg_get(c, UC_X86_REG_CR3), cr4 = reg_get(c, UC_X86_REG_CR4);
	if (cpu_env(c)->efer & EFER_LMA)
		ad_table(&w, cr3 & PTE_ADDR, 3, 8, 512);
	else if (cr4 & CR4_PAE)
		ad_table(&w, cr3 & 0xffffffe0ull, 2, 8, 4);        /* the 4 PDPTEs, 32 bytes */
	else
		ad_table(&w, cr3 & 0xfffff000ull, 1, 4, 1024);
	if (w.tables > MAX_TABLES && !c->ad_warned) {
		c->ad_warned = true;
		kvmemu_diag("dirty logging: more than %d page tables; the CPU's A/D-bit writes "
			    "past them are not logged", MAX_TABLES);
	}
}
