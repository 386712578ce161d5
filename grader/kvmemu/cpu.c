/*
 * cpu.c - the vCPU on Unicorn: state, hooks and the KVM_RUN loop.
 *
 * Unicorn runs translated blocks with no instrumentation unless asked. The
 * instructions KVM exits on are found without a per-instruction hook (which
 * would cost 4x): a block hook (cheap) scans each block's bytes for the
 * opcode bytes of IN/OUT/INS/OUTS. A block holding one such byte not yet
 * covered is stopped before it runs, given an instruction hook over its
 * range, retranslated and run again; the instruction hook then stops exactly
 * before the I/O instruction (RIP on it, as KVM reports). HLT needs nothing:
 * Unicorn returns after it with EIP past it, which is KVM's state too.
 */
#include "kvmemu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- registers ---- */

uint64_t reg_get(struct cpu *c, int reg)
{
	uint64_t x = 0;               /* Unicorn writes only the register's width */
	uc.reg_read(c->uc, reg, &x);
	return x;
}

void reg_set(struct cpu *c, int reg, uint64_t val)
{
	uc.reg_write(c->uc, reg, &val);
}

/* In real mode Unicorn keeps base = selector * 16 (checked by run_checks). */
uint64_t cpu_lip(struct cpu *c)
{
	return (reg_get(c, UC_X86_REG_CS) << 4) + (reg_get(c, UC_X86_REG_EIP) & 0xffff);
}

void cpu_set_lip(struct cpu *c, uint64_t lip)
{
	reg_set(c, UC_X86_REG_EIP, (lip - (reg_get(c, UC_X86_REG_CS) << 4)) & 0xffff);
}

static const int gpr32[8] = {
	UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX, UC_X86_REG_EDX,
	UC_X86_REG_ESI, UC_X86_REG_EDI, UC_X86_REG_ESP, UC_X86_REG_EBP,
};

void cpu_get_regs(struct vcpu *v, struct kvm_regs *r)
{
	struct cpu *c = &v->cpu;
	__u64 *dst[8] = { &r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi, &r->rsp, &r->rbp };
	for (int i = 0; i < 8; i++)
		*dst[i] = c->gpr_hi[i] << 32 | reg_get(c, gpr32[i]);
	memcpy(&r->r8, c->r8_15, sizeof c->r8_15);
	r->rip = reg_get(c, UC_X86_REG_EIP);
	r->rflags = reg_get(c, UC_X86_REG_EFLAGS);
}

void cpu_set_regs(struct vcpu *v, const struct kvm_regs *r)
{
	struct cpu *c = &v->cpu;
	const uint64_t src[8] = { r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rsp, r->rbp };
	for (int i = 0; i < 8; i++) {
		reg_set(c, gpr32[i], (uint32_t)src[i]);
		c->gpr_hi[i] = src[i] >> 32;
	}
	memcpy(c->r8_15, &r->r8, sizeof c->r8_15);
	reg_set(c, UC_X86_REG_EIP, (uint32_t)r->rip);
	/* kvm_set_rflags: bit 1 is always set; VMX keeps 32 bits, VM (17) cleared
	 * outside vm86 emulation (measured: ~0 reads back as 0xfffdffff). */
	reg_set(c, UC_X86_REG_EFLAGS, ((uint32_t)r->rflags | 2) & ~(1u << 17));
}

/* ---- segments and control registers ---- */

static const int segreg[6] = {
	UC_X86_REG_CS, UC_X86_REG_DS, UC_X86_REG_ES, UC_X86_REG_FS, UC_X86_REG_GS, UC_X86_REG_SS,
};

/* A real-mode segment load changes selector and base only; KVM (VMX) reports
 * the rest as last set. */
static void sync_segments(struct cpu *c)
{
	for (int i = 0; i < 6; i++) {
		uint16_t sel = (uint16_t)reg_get(c, segreg[i]);
		if (sel != c->seg[i].selector) {
			c->seg[i].selector = sel;
			c->seg[i].base = (uint64_t)sel << 4;
		}
	}
}

void cpu_get_sregs(struct vcpu *v, struct kvm_sregs *s)
{
	struct cpu *c = &v->cpu;
	sync_segments(c);
	memset(s, 0, sizeof *s);
	struct kvm_segment *dst[8] = { &s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt };
	for (int i = 0; i < 8; i++)
		*dst[i] = c->seg[i];
	uc_x86_mmr m = { 0 };
	uc.reg_read(c->uc, UC_X86_REG_GDTR, &m);
	s->gdt.base = m.base;
	s->gdt.limit = (uint16_t)m.limit;
	uc.reg_read(c->uc, UC_X86_REG_IDTR, &m);
	s->idt.base = m.base;
	s->idt.limit = (uint16_t)m.limit;
	s->cr0 = reg_get(c, UC_X86_REG_CR0);
	s->cr2 = c->cr2;
	s->cr3 = c->cr3;
	s->cr4 = c->cr4;
	s->cr8 = c->cr8;
	s->efer = c->efer;
	s->apic_base = c->apic_base;
}

void cpu_set_sregs(struct vcpu *v, const struct kvm_sregs *s)
{
	struct cpu *c = &v->cpu;
	const struct kvm_segment *src[8] = { &s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt };
	for (int i = 0; i < 8; i++)
		c->seg[i] = *src[i];
	for (int i = 0; i < 6; i++)
		reg_set(c, segreg[i], c->seg[i].selector);
	uc_x86_mmr m = { .base = s->gdt.base, .limit = s->gdt.limit };
	uc.reg_write(c->uc, UC_X86_REG_GDTR, &m);
	m = (uc_x86_mmr){ .base = s->idt.base, .limit = s->idt.limit };
	uc.reg_write(c->uc, UC_X86_REG_IDTR, &m);
	/* PE is refused at KVM_RUN (run_checks), not here: KVM accepts it. */
	reg_set(c, UC_X86_REG_CR0, s->cr0 & ~1ull);
	c->cr0_pe = s->cr0 & 1;
	c->cr2 = s->cr2;
	c->cr3 = s->cr3;
	c->cr4 = s->cr4;
	c->cr8 = s->cr8;
	c->efer = s->efer;
	c->apic_base = s->apic_base;
}

/* kvm_vcpu_reset / vmx_vcpu_reset: the state a fresh vCPU reports. */
static void reset_state(struct cpu *c)
{
	struct kvm_segment data = { .limit = 0xffff, .type = 3, .present = 1, .s = 1 };
	for (int i = 1; i < 6; i++)
		c->seg[i] = data;
	c->seg[0] = (struct kvm_segment){ .selector = 0xf000, .base = 0xffff0000, .limit = 0xffff,
					  .type = 11, .present = 1, .s = 1 };
	c->seg[6] = (struct kvm_segment){ .limit = 0xffff, .type = 11, .present = 1 };
	c->seg[7] = (struct kvm_segment){ .limit = 0xffff, .type = 2, .present = 1 };
	for (int i = 0; i < 6; i++)
		reg_set(c, segreg[i], c->seg[i].selector);
	for (int i = 0; i < 8; i++)
		reg_set(c, gpr32[i], 0);
	reg_set(c, UC_X86_REG_EDX, 0x600);
	reg_set(c, UC_X86_REG_EIP, 0xfff0);
	reg_set(c, UC_X86_REG_EFLAGS, 2);
	reg_set(c, UC_X86_REG_CR0, 0x60000010);
	uc_x86_mmr m = { .limit = 0xffff };
	uc.reg_write(c->uc, UC_X86_REG_GDTR, &m);
	uc.reg_write(c->uc, UC_X86_REG_IDTR, &m);
	c->apic_base = 0xfee00900;
}

/* ---- instruction hooks where I/O instructions are ---- */

static bool covered(struct cpu *c, uint64_t lin)
{
	return lin < LIN_LIMIT && (c->covered[lin >> 3] >> (lin & 7) & 1);
}

static void tb_remove(struct cpu *c, uint64_t begin, uint64_t end)
{
	uc.ctl(c->uc, UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2), begin, end);
}

static void code_hook(uc_engine *u, uint64_t addr, uint32_t size, void *opaque);

/* Instruction-level hooks over [begin, end]; the caller retranslates. Past
 * MAX_CODE_HOOKS ranges one hook covers everything (slower, still exact). */
void cpu_hook_range(struct cpu *c, uint64_t begin, uint64_t end)
{
	if (end >= LIN_LIMIT)
		end = LIN_LIMIT - 1;
	if (c->ncode < MAX_CODE_HOOKS) {
		uc.hook_add(c->uc, &c->code_hooks[c->ncode++], UC_HOOK_CODE, (void *)code_hook,
			    c, begin, end);
		for (uint64_t a = begin; a <= end; a++)
			c->covered[a >> 3] |= 1 << (a & 7);
	} else if (c->ncode == MAX_CODE_HOOKS) {
		uc.hook_add(c->uc, &c->code_hooks[0], UC_HOOK_CODE, (void *)code_hook, c, 1, 0);
		c->ncode++;
		memset(c->covered, 0xff, LIN_LIMIT / 8);
		uc.ctl(c->uc, UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0));
	}
}

static void stop(struct cpu *c, enum stop why)
{
	c->stop = why;
	uc.emu_stop(c->uc);
}

static void code_hook(uc_engine *u, uint64_t addr, uint32_t size, void *opaque)
{
	(void)u;
	struct cpu *c = opaque;
	if (c->stop != S_NONE)        /* the single-hook fallback may fire twice */
		return;
	if (kvmemu_signalled) {
		stop(c, S_SIGNAL);
		return;
	}
	if (c->mmio_done) {           /* the MMIO instruction completed */
		stop(c, S_STEPPED);
		return;
	}
	const uint8_t *p = gpa_ptr(c->v->vm, addr, size);
	if (p && pio_opcode(p, size)) {
		c->stop_lip = addr;
		c->stop_len = size;
		stop(c, S_IO);
	}
}

/* Which bytes can be the opcode of IN, OUT, INS or OUTS. */
static bool io_byte(uint8_t b)
{
	return (b >= 0xe4 && b <= 0xe7) || (b >= 0xec && b <= 0xef) || (b >= 0x6c && b <= 0x6f);
}

static bool prefix_byte(uint8_t b)
{
	return b == 0x66 || b == 0x67 || b == 0xf2 || b == 0xf3 || b == 0xf0 || b == 0x26 ||
	       b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

static void note_code_page(struct cpu *c, uint64_t page);

static void block_hook(uc_engine *u, uint64_t addr, uint32_t size, void *opaque)
{
	(void)u;
	struct cpu *c = opaque;
	if (kvmemu_signalled) {
		stop(c, S_SIGNAL);
		return;
	}
	if (c->mmio_done) {           /* the MMIO instruction ended its block */
		stop(c, S_STEPPED);
		return;
	}
	if (addr >= LIN_LIMIT || size == 0)
		return;
	uint64_t last = addr + size - 1;
	if (!(c->code_page_bits[addr >> 15] >> (addr >> 12 & 7) & 1))
		note_code_page(c, addr >> 12);
	if (!(c->code_page_bits[last >> 15] >> (last >> 12 & 7) & 1))
		note_code_page(c, last >> 12);
	const uint8_t *p = gpa_ptr(c->v->vm, addr, size);
	if (!p) {                     /* straddles slots: hook it all */
		if (!covered(c, addr)) {
			cpu_hook_range(c, addr, last);
			tb_remove(c, addr, last + 1);
			stop(c, S_RETRANSLATE);
		}
		return;
	}
	bool added = false;
	for (uint32_t i = 0; i < size; i++) {
		if (!io_byte(p[i]) || covered(c, addr + i))
			continue;
		/* An I/O instruction with this opcode byte starts at it or at
		 * the prefixes right before it: hook only those addresses, so
		 * a loop whose immediates merely contain such a byte stays fast. */
		uint32_t k = i;
		while (k > 0 && i - k < 14 && prefix_byte(p[k - 1]))
			k--;
		cpu_hook_range(c, addr + k, addr + i);
		added = true;
	}
	if (added) {
		tb_remove(c, addr, last + 1);
		stop(c, S_RETRANSLATE);
	}
}

/* ---- host writes to guest code between two KVM_RUNs ----
 * Unicorn sees the guest's own stores to code, not the host's writes through
 * its mapping. Pages code was translated from are copied at each exit and
 * compared at the next KVM_RUN; a changed page drops its translations. */

static void note_code_page(struct cpu *c, uint64_t page)
{
	if (page >= LIN_LIMIT / PAGE_SZ)
		return;
	c->code_page_bits[page >> 3] |= 1 << (page & 7);
	if (c->ncode_pages == c->cap_code_pages) {
		int n = c->cap_code_pages ? 2 * c->cap_code_pages : 8;
		uint32_t *pg = realloc(c->code_pages, n * sizeof *pg);
		uint8_t **sn = realloc(c->snap, n * sizeof *sn);
		if (pg)
			c->code_pages = pg;
		if (sn)
			c->snap = sn;
		if (!pg || !sn)
			return;
		c->cap_code_pages = n;
	}
	uint8_t *copy = malloc(PAGE_SZ);
	const uint8_t *p = gpa_ptr(c->v->vm, page * PAGE_SZ, PAGE_SZ);
	if (!copy || !p) {
		free(copy);
		return;
	}
	memcpy(copy, p, PAGE_SZ);
	c->code_pages[c->ncode_pages] = (uint32_t)page;
	c->snap[c->ncode_pages++] = copy;
}

static void code_pages_check(struct cpu *c)
{
	for (int i = 0; i < c->ncode_pages; i++) {
		uint64_t a = (uint64_t)c->code_pages[i] * PAGE_SZ;
		const uint8_t *p = gpa_ptr(c->v->vm, a, PAGE_SZ);
		if (p && memcmp(p, c->snap[i], PAGE_SZ) != 0) {
			tb_remove(c, a, a + PAGE_SZ);
			memcpy(c->snap[i], p, PAGE_SZ);
		}
	}
}

static void code_pages_snapshot(struct cpu *c)
{
	for (int i = 0; i < c->ncode_pages; i++) {
		const uint8_t *p = gpa_ptr(c->v->vm, (uint64_t)c->code_pages[i] * PAGE_SZ, PAGE_SZ);
		if (p)
			memcpy(c->snap[i], p, PAGE_SZ);
	}
}

static void code_pages_forget(struct cpu *c)
{
	for (int i = 0; i < c->ncode_pages; i++)
		free(c->snap[i]);
	c->ncode_pages = 0;
	memset(c->code_page_bits, 0, LIN_LIMIT / PAGE_SZ / 8);
}

/* ---- the other hooks ---- */

static void intr_hook(uc_engine *u, uint32_t intno, void *opaque)
{
	(void)u;
	struct cpu *c = opaque;
	c->intno = (int)intno;
	stop(c, S_INTR);
}

static bool invalid_hook(uc_engine *u, void *opaque)
{
	(void)u;
	(void)opaque;
	return false;                 /* UC_ERR_INSN_INVALID: #UD, see cpu_run */
}

/* Every IN/OUT is stopped before it runs; Unicorn's own I/O path never should. */
static uint32_t in_hook(uc_engine *u, uint32_t port, int size, void *opaque)
{
	(void)u;
	struct cpu *c = opaque;
	kvmemu_diag("internal: IN from port 0x%x (size %d) escaped interception", port, size);
	stop(c, S_ESCAPED);
	return 0;
}

static void out_hook(uc_engine *u, uint32_t port, int size, uint32_t value, void *opaque)
{
	(void)u;
	(void)value;
	struct cpu *c = opaque;
	kvmemu_diag("internal: OUT to port 0x%x (size %d) escaped interception", port, size);
	stop(c, S_ESCAPED);
}

/* A memory hook, even on an address never used, makes Unicorn keep EIP exact
 * at every load and store: an unmapped (MMIO) access then stops with EIP on
 * the instruction, not at the start of its block. */
static void precise_pc_hook(uc_engine *u, uc_mem_type t, uint64_t a, int s, int64_t v, void *o)
{
	(void)u; (void)t; (void)a; (void)s; (void)v; (void)o;
}

/* ---- create, map ---- */

int cpu_init(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	c->v = v;
	c->covered = calloc(LIN_LIMIT / 8, 1);
	c->code_page_bits = calloc(LIN_LIMIT / PAGE_SZ / 8, 1);
	if (!c->covered || !c->code_page_bits)
		return -ENOMEM;
	uc_err e = uc.open(UC_ARCH_X86, UC_MODE_16, &c->uc);
	if (e) {
		kvmemu_diag("uc_open: %s", uc.strerror(e));
		return -ENOMEM;
	}
	uc_hook h;
	uc.hook_add(c->uc, &h, UC_HOOK_BLOCK, (void *)block_hook, c, 1, 0);
	uc.hook_add(c->uc, &h, UC_HOOK_INTR, (void *)intr_hook, c, 1, 0);
	uc.hook_add(c->uc, &h, UC_HOOK_INSN_INVALID, (void *)invalid_hook, c, 1, 0);
	uc.hook_add(c->uc, &h, UC_HOOK_INSN, (void *)in_hook, c, 1, 0, UC_X86_INS_IN);
	uc.hook_add(c->uc, &h, UC_HOOK_INSN, (void *)out_hook, c, 1, 0, UC_X86_INS_OUT);
	uc.hook_add(c->uc, &h, UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED,
		    (void *)mmio_unmapped_hook, v, 1, 0);
	uc.hook_add(c->uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, (void *)precise_pc_hook,
		    c, 0xfffffff0, 0xfffffff0);
	reset_state(c);
	return 0;
}

void cpu_fini(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	if (c->uc)
		uc.close(c->uc);
	c->uc = NULL;
	code_pages_forget(c);
	free(c->code_pages);
	free(c->snap);
	free(c->covered);
	free(c->code_page_bits);
}

int cpu_map(struct vcpu *v, struct slot *s)
{
	struct cpu *c = &v->cpu;
	mmio_unmap_page(v);
	uc_err e = uc.mem_map_ptr(c->uc, s->gpa, s->size, UC_PROT_ALL, s->hva);
	if (e) {
		kvmemu_diag("mapping slot %u at 0x%llx: %s", s->id, (unsigned long long)s->gpa,
			    uc.strerror(e));
		return -EINVAL;
	}
	tb_remove(c, s->gpa, s->gpa + s->size);
	code_pages_forget(c);
	return 0;
}

void cpu_unmap(struct vcpu *v, struct slot *s)
{
	struct cpu *c = &v->cpu;
	tb_remove(c, s->gpa, s->gpa + s->size);
	uc.mem_unmap(c->uc, s->gpa, s->size);
	code_pages_forget(c);
}

/* ---- KVM_RUN ---- */

void cpu_internal_error(struct vcpu *v, uint32_t suberror)
{
	v->run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	v->run->internal.suberror = suberror;
	v->run->internal.ndata = 0;
}

/* What kvmemu can't run faithfully is refused here, before the guest runs.
 * Returns 1 (exit to user space) or 0. */
static int run_checks(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	if (c->cr0_pe || (reg_get(c, UC_X86_REG_CR0) & 1)) {
		kvmemu_diag("protected mode (CR0.PE) is not emulated: KVM_EXIT_INTERNAL_ERROR");
		cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
		return 1;
	}
	sync_segments(c);
	for (int i = 0; i < 6; i++) {
		if (c->seg[i].base == (uint64_t)c->seg[i].selector << 4)
			continue;
		/* The reset state (CS base 0xffff0000) with nothing mapped there
		 * fails on KVM too: an instruction fetch outside RAM. */
		uint64_t lip = c->seg[0].base + (reg_get(c, UC_X86_REG_EIP) & 0xffff);
		if (i == 0 && !gpa_ptr(v->vm, lip, 1)) {
			cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
			return 1;
		}
		kvmemu_diag("segment %d base 0x%llx != selector 0x%x * 16 is not emulated: "
			    "KVM_EXIT_INTERNAL_ERROR", i, (unsigned long long)c->seg[i].base,
			    c->seg[i].selector);
		cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
		return 1;
	}
	return 0;
}

/* HLT leaves EIP after it with nothing else asked: check it was one. */
static int after_stop_ok(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	uint64_t lip = cpu_lip(c);
	const uint8_t *p = lip ? gpa_ptr(v->vm, lip - 1, 1) : NULL;
	if (p && *p == 0xf4) {
		v->run->exit_reason = KVM_EXIT_HLT;
		return 1;
	}
	kvmemu_diag("internal: the engine stopped at 0x%llx for no known reason",
		    (unsigned long long)lip);
	cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
	return 1;
}

/* Runs the guest until something needs user space. 1: exit, <0: -errno. */
static int run_loop(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	for (;;) {
		c->stop = S_NONE;
		uc_err e = uc.emu_start(c->uc, cpu_lip(c), UINT64_MAX, 0, 0);
		switch (c->stop) {
		case S_RETRANSLATE:
			continue;
		case S_SIGNAL:
			v->run->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		case S_IO:
			if (pio_exit(v, c->stop_lip, c->stop_len))
				return 1;
			continue;
		case S_INTR:
			if (intr_deliver(v, c->intno, true))
				return 1;
			continue;
		case S_MMIO:
			/* A read exits with RIP on the instruction; a write is
			 * finished first and exits with RIP past it. */
			if (c->mmio_write) {
				if (mmio_complete_begin(v))
					return 1;
				continue;
			}
			mmio_exit(v);
			return 1;
		case S_STEPPED:
			if (mmio_complete_end(v))
				return 1;
			continue;
		case S_ESCAPED:
			cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
			return 1;
		case S_NONE:
			break;
		}
		switch (e) {
		case UC_ERR_OK:
			return after_stop_ok(v);
		case UC_ERR_FETCH_UNMAPPED:
		case UC_ERR_FETCH_PROT:
			/* KVM: the emulator can't fetch from MMIO (x86.c,
			 * handle_emulation_failure). */
			cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
			return 1;
		case UC_ERR_INSN_INVALID:
			if (intr_deliver(v, 6, false))   /* #UD */
				return 1;
			continue;
		default:
			kvmemu_diag("engine error at 0x%llx: %s", (unsigned long long)cpu_lip(c),
				    uc.strerror(e));
			cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
			return 1;
		}
	}
}

int cpu_run(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	struct kvm_run *run = v->run;
	/* kvm_arch_vcpu_ioctl_run: immediate_exit wins before anything,
	 * exit_reason untouched. */
	if (run->immediate_exit)
		return -EINTR;
	kvmemu_signalled = 0;
	if (v->pending == P_MMIO) {
		int r = mmio_complete_begin(v);
		if (r)
			return r < 0 ? r : 0;
	} else {
		pio_complete(v);
	}
	if (run_checks(v))
		return 0;
	code_pages_check(c);
	int r = run_loop(v);
	code_pages_snapshot(c);
	if (r == 1 && (reg_get(c, UC_X86_REG_CR0) & 1) && !c->protected_warned) {
		c->protected_warned = true;
		kvmemu_diag("the guest set CR0.PE: protected mode is not emulated");
	}
	return r < 0 ? r : 0;
}
