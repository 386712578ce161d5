/*
 * event.c - delivering exceptions and interrupts, as the CPU does under KVM.
 *
 * Unicorn reports `int n`, int3 and the faults it raises to a hook and
 * delivers nothing (cpu.c intr_hook); kvmemu raises some faults itself (#UD,
 * #GP from RDMSR). Either way the event comes here, with RIP the address to
 * push, and is delivered in the SDM's steps:
 *
 *   real mode (SDM vol. 3, 20.1.4): the IVT entry; FLAGS, CS, IP pushed;
 *     IF, TF, AC cleared; CS:IP loaded.
 *   protected mode and long mode (6.10-6.14): read the gate, check the
 *     gate, check the target code segment, switch stacks (TSS RSPn or IST
 *     in long mode), push the frame ([SS, RSP,] RFLAGS, CS, RIP [, error
 *     code]), load CS and RIP, clear TF/NT/RF/VM (and IF through an
 *     interrupt gate).
 *
 * A fault while delivering is combined with the event as SDM table 6-5 says
 * (benign, contributory, page fault: #DF); a fault while delivering #DF is a
 * triple fault: KVM_EXIT_SHUTDOWN. The CPU's own accesses (tables, TSS,
 * stack) are checked as the CPU checks them (mmu_access): a not-present or
 * read-only stack page is a #PF with CR2. A table or stack outside every
 * slot: KVM can't deliver the event either and exits KVM_EXIT_INTERNAL_ERROR,
 * suberror KVM_INTERNAL_ERROR_DELIVERY_EV (vmx.c, since Linux 6.14).
 *
 * Before delivering a fault-class exception RF is set in RFLAGS, as KVM's
 * kvm_check_and_inject_events does (arch/x86/kvm/x86.c: exception_type() ==
 * EXCPT_FAULT -> __kvm_set_rflags(.. | X86_EFLAGS_RF)): the frame carries RF
 * (SDM vol. 3, 18.3.1.1), and a triple fault leaves it in RFLAGS.
 *
 * Not emulated (refused with a diagnostic, KVM_EXIT_INTERNAL_ERROR): task
 * gates; a privilege change outside long mode (the 32-bit TSS stack switch).
 */
#include "kvmemu.h"

#include <string.h>

static bool has_error_code(int vector)
{
	return vector == X86_DF || (vector >= X86_TS && vector <= X86_PF) || vector == X86_AC ||
	       vector == X86_CP;
}

struct event event_exception(int vector, uint32_t err)
{
	return (struct event){ .kind = EV_EXCEPTION, .vector = (uint8_t)vector,
			       .has_err = has_error_code(vector), .err = err };
}

/* KVM's exception_type (x86.c): #DB, #BP, #OF are traps, #DF and #MC aborts,
 * every other exception a fault. */
static bool fault_class(const struct event *ev)
{
	int v = ev->vector;
	return ev->kind == EV_EXCEPTION && v != X86_DB && v != X86_BP && v != X86_OF &&
	       v != X86_DF && v != X86_MC;
}

static bool aborts(const struct event *ev)
{
	return ev->kind == EV_EXCEPTION && (ev->vector == X86_DF || ev->vector == X86_MC);
}

/* SDM vol. 3, table 6-4: the contributory exceptions. */
static bool contributory(int v)
{
	return v == X86_DE || (v >= X86_TS && v <= X86_GP);
}

/* SDM vol. 3, table 6-5: the event to deliver when `second` faults while
 * `first` is delivered (first is not #DF: that is a triple fault). */
static struct event combine(struct event first, struct event second)
{
	if (first.kind != EV_EXCEPTION)
		return second;                   /* interrupts: the fault, serially */
	if ((contributory(first.vector) && contributory(second.vector)) ||
	    (first.vector == X86_PF && (second.vector == X86_PF || contributory(second.vector))))
		return event_exception(X86_DF, 0);
	return second;
}

/* ---- one delivery ---- */

enum step { STEP_OK, STEP_FAULT, STEP_EXIT };

struct delivery {
	struct vcpu *v;
	struct cpu *c;
	struct event ev;
	uint32_t ext;             /* the EXT bit of error codes: 0 for INT n */
	struct event fault;       /* STEP_FAULT: what delivering raised */
	bool lm;                  /* IA-32e mode: 16-byte gates, 64-bit frame */
	int cpl;
	/* read the gate */
	unsigned type, ist;
	uint16_t sel;
	uint64_t target;
	/* check the target code segment */
	uint32_t cs[2];
	uint64_t cs_where;
	int new_cpl;
	bool privilege_change;
	/* switch stacks */
	uint64_t sp;              /* the new stack pointer, wrapped to its width */
	uint64_t ss_base;
	int sp_width;             /* 2, 4 or 8 */
	int push;                 /* bytes per pushed item: 2, 4 or 8 */
};

static enum step raise(struct delivery *d, int vector, uint32_t err)
{
	d->fault = event_exception(vector, err);
	return STEP_FAULT;
}

static enum step not_ram(struct delivery *d)
{
	cpu_internal_error(d->v, KVM_INTERNAL_ERROR_DELIVERY_EV);
	return STEP_EXIT;
}

static enum step refuse(struct delivery *d, const char *what)
{
	kvmemu_diag("%s (vector %d) is not emulated: KVM_EXIT_INTERNAL_ERROR", what,
		    d->ev.vector);
	cpu_internal_error(d->v, KVM_INTERNAL_ERROR_EMULATION);
	return STEP_EXIT;
}

/* An access the CPU makes while delivering: len bytes at linear lin, page by
 * page, with the paging checks (user: at CPL 3). A #PF is raised with CR2. */
static enum step cpu_access(struct delivery *d, uint64_t lin, void *buf, uint32_t len, bool write,
			bool user)
{
	uint8_t *b = buf;
	if (!d->lm)
		lin &= 0xffffffffull;
	while (len) {
		uint32_t n = PAGE_SZ - (uint32_t)(lin & 0xfff), pferr;
		uint64_t gpa;
		if (n > len)
			n = len;
		enum xlat x = mmu_access(d->v, lin, write, user, &gpa, &pferr);
		if (x == XLAT_PF) {
			enum step s = raise(d, X86_PF, pferr);
			d->fault.cr2 = lin;
			return s;
		}
		uint8_t *p = x == XLAT_OK ? gpa_ptr(d->v->vm, gpa, n) : NULL;
		if (!p || (write && !gpa_writable(d->v->vm, gpa, n)))
			return not_ram(d);
		if (write) {
			memcpy(p, b, n);
			slot_dirty(d->v->vm, gpa, n);
		} else {
			memcpy(b, p, n);
		}
		lin = (lin + n) & (d->lm ? ~0ull : 0xffffffffull);
		b += n;
		len -= n;
	}
	return STEP_OK;
}

/* Real mode (SDM vol. 3, 20.1.4): the IVT's 4-byte entry, a 16-bit frame. */
static enum step real_mode(struct delivery *d)
{
	struct cpu *c = d->c;
	uc_x86_mmr ivt = { 0 };
	uc.reg_read(c->uc, UC_X86_REG_IDTR, &ivt);
	if ((uint32_t)d->ev.vector * 4 + 3 > ivt.limit)
		return raise(d, X86_GP, IDT_ERR(d->ev.vector, d->ext));
	uint16_t ent[2];
	if (!lin_read(d->v, ivt.base + d->ev.vector * 4u, ent, 4))
		return not_ram(d);
	uint64_t fl = reg_get(c, UC_X86_REG_RFLAGS);
	uint16_t sp = (uint16_t)reg_get(c, UC_X86_REG_RSP);
	uint16_t frame[3] = { (uint16_t)reg_get(c, UC_X86_REG_RIP),
			      (uint16_t)cpu_env(c)->seg[SEG_CS].selector, (uint16_t)fl };
	uint64_t ss = cpu_seg_base(c, SEG_SS);
	/* Three words below SP, wrapping inside the 64 KiB segment. */
	for (int i = 2; i >= 0; i--) {
		sp -= 2;
		if (!lin_write(d->v, (ss + sp) & 0xffffffffull, &frame[i], 2))
			return not_ram(d);
	}
	reg_set(c, UC_X86_REG_RSP, (reg_get(c, UC_X86_REG_RSP) & ~0xffffull) | sp);
	reg_set(c, UC_X86_REG_RFLAGS, fl & ~(RFL_IF | RFL_TF | RFL_AC | RFL_RF));
	c->env.seg[SEG_CS].selector = ent[1];          /* limit and attributes stay */
	c->env.seg[SEG_CS].base = (uint64_t)ent[1] << 4;
	env_store(c);
	reg_set(c, UC_X86_REG_RIP, ent[0]);
	return STEP_OK;
}

/* Read the gate (SDM vol. 3, 6.10, 6.14.1): past the IDT limit, #GP. */
static enum step read_gate(struct delivery *d)
{
	struct cpu *c = d->c;
	uint32_t size = d->lm ? 16 : 8, g[4] = { 0 };
	uc_x86_mmr idt = { 0 };
	uc.reg_read(c->uc, UC_X86_REG_IDTR, &idt);
	if ((uint32_t)d->ev.vector * size + size - 1 > idt.limit)
		return raise(d, X86_GP, IDT_ERR(d->ev.vector, d->ext));
	enum step s = cpu_access(d, idt.base + d->ev.vector * size, g, size, false, false);
	if (s != STEP_OK)
		return s;
	d->type = DESC_TYPE(g[1]);
	d->ist = d->lm ? GATE_IST(g[1]) : 0;
	d->sel = (uint16_t)(g[0] >> 16);
	bool wide = d->type == GATE_INT || d->type == GATE_TRAP;
	d->target = (g[0] & 0xffff) | (wide ? (g[1] & 0xffff0000u) : 0);
	if (d->lm)
		d->target |= (uint64_t)g[2] << 32;
	/* Check the gate: its type, its DPL for INT n (6.12.1.1), present. */
	uint32_t idt_err = IDT_ERR(d->ev.vector, d->ext);
	if (d->type == GATE_TASK && !d->lm)
		return refuse(d, "delivery through a task gate");
	if (d->lm ? !wide : (!wide && d->type != GATE_INT16 && d->type != GATE_TRAP16))
		return raise(d, X86_GP, idt_err);
	if (d->ev.kind == EV_SOFT_INT && (int)DESC_DPL(g[1]) < d->cpl)
		return raise(d, X86_GP, idt_err);
	if (!(g[1] & DESC_P))
		return raise(d, X86_NP, idt_err);
	return STEP_OK;
}

/* Check the target code segment (6.12.1.1, 6.14.1): a present code segment
 * of DPL <= CPL (64-bit in long mode); #GP or #NP on its selector. */
static enum step check_target_cs(struct delivery *d)
{
	struct cpu *c = d->c;
	uint32_t err = SEL_ERR(d->sel, d->ext);
	if (!(d->sel & ~3u))
		return raise(d, X86_GP, d->ext);
	uint64_t base;
	uint32_t limit;
	if (d->sel & SEL_TI) {
		base = cpu_env(c)->seg[SEG_LDT].base;
		limit = cpu_env(c)->seg[SEG_LDT].limit;
	} else {
		uc_x86_mmr gdt = { 0 };
		uc.reg_read(c->uc, UC_X86_REG_GDTR, &gdt);
		base = gdt.base;
		limit = gdt.limit;
	}
	if ((d->sel & ~7u) + 7u > limit)
		return raise(d, X86_GP, err);
	d->cs_where = base + (d->sel & ~7u);
	enum step s = cpu_access(d, d->cs_where, d->cs, 8, false, false);
	if (s != STEP_OK)
		return s;
	uint32_t hi = d->cs[1];
	if (!(hi & DESC_S) || !(hi & DESC_CODE) || (int)DESC_DPL(hi) > d->cpl)
		return raise(d, X86_GP, err);
	if (d->lm && (!(hi & DESC_L) || (hi & DESC_DB)))
		return raise(d, X86_GP, err);
	if (!(hi & DESC_P))
		return raise(d, X86_NP, err);
	d->privilege_change = !(hi & DESC_CONFORMING) && (int)DESC_DPL(hi) < d->cpl;
	d->new_cpl = d->privilege_change ? (int)DESC_DPL(hi) : d->cpl;
	return STEP_OK;
}

/* Switch stacks (6.12.1, 6.14.4, 6.14.5): in long mode to the TSS's RSPn
 * for a privilege change, or to ISTn; RSP aligned to 16 either way. */
static enum step switch_stack(struct delivery *d)
{
	struct cpu *c = d->c;
	const struct env *e = cpu_env(c);
	if (!d->lm) {
		if (d->privilege_change)
			return refuse(d, "a 32-bit interrupt with a privilege change (stack switch)");
		d->sp_width = (e->seg[SEG_SS].flags & DESC_DB) ? 4 : 2;
		d->push = (d->type == GATE_INT || d->type == GATE_TRAP) ? 4 : 2;
		d->sp = reg_get(c, UC_X86_REG_RSP) & (d->sp_width == 4 ? 0xffffffffull : 0xffff);
		d->ss_base = e->seg[SEG_SS].base;
		return STEP_OK;
	}
	d->sp_width = d->push = 8;
	d->ss_base = 0;
	uint64_t rsp = reg_get(c, UC_X86_REG_RSP);
	if (d->ist || d->privilege_change) {
		const struct segcache *tr = &e->seg[SEG_TR];
		uint32_t off = d->ist ? TSS64_IST(d->ist) : TSS64_RSP((uint32_t)d->new_cpl);
		if (off + 7 > tr->limit)
			return raise(d, X86_TS, SEL_ERR(tr->selector, d->ext));
		enum step s = cpu_access(d, tr->base + off, &rsp, 8, false, false);
		if (s != STEP_OK)
			return s;
	}
	d->sp = rsp & ~15ull;
	return STEP_OK;
}

/* Push the frame (figure 6-4, 6.14.2): [SS, RSP,] RFLAGS, CS, RIP [, error
 * code], on the new stack, written as the new CPL writes. In long mode a
 * non-canonical stack address is #SS(0) (SDM vol. 3, 6.14.4: a stack fault). */
static enum step push_frame(struct delivery *d)
{
	struct cpu *c = d->c;
	const struct env *e = cpu_env(c);
	uint64_t item[6];
	int n = 0;
	if (d->lm) {
		item[n++] = e->seg[SEG_SS].selector;
		item[n++] = reg_get(c, UC_X86_REG_RSP);
	}
	item[n++] = reg_get(c, UC_X86_REG_RFLAGS);
	item[n++] = e->seg[SEG_CS].selector;
	item[n++] = reg_get(c, UC_X86_REG_RIP);
	if (d->ev.kind == EV_EXCEPTION && d->ev.has_err)
		item[n++] = d->ev.err;
	uint64_t mask = d->sp_width == 8 ? ~0ull : d->sp_width == 4 ? 0xffffffffull : 0xffff;
	for (int i = 0; i < n; i++) {
		d->sp = (d->sp - (uint64_t)d->push) & mask;
		if (d->lm && !x86_canonical(d->sp))
			return raise(d, X86_SS, 0);
		enum step s = cpu_access(d, d->ss_base + d->sp, &item[i], (uint32_t)d->push, true,
				     d->new_cpl == 3);
		if (s != STEP_OK)
			return s;
	}
	return STEP_OK;
}

/* Load CS and RIP (and SS after a stack switch), set the accessed bit of the
 * code descriptor as a segment load does, and the handler's RFLAGS. */
static void load_cs(struct delivery *d)
{
	struct cpu *c = d->c;
	uint32_t lo = d->cs[0], hi = d->cs[1];
	if (!(hi & DESC_ACCESSED)) {
		hi |= DESC_ACCESSED;
		lin_write(d->v, d->cs_where + 4, &hi, 4);
	}
	uint32_t limit = DESC_LIMIT(lo, hi);
	if (hi & DESC_G)
		limit = limit << 12 | 0xfff;
	if (d->privilege_change)   /* long mode: SS is a null selector, RPL = the new CPL */
		c->env.seg[SEG_SS] = (struct segcache){ .selector = (uint32_t)d->new_cpl,
							.flags = (uint32_t)d->new_cpl << 13 };
	c->env.seg[SEG_CS] = (struct segcache){
		.selector = (d->sel & ~3u) | (uint32_t)d->new_cpl,
		.base = DESC_BASE(lo, hi), .limit = limit, .flags = hi & 0x00f0ff00u,
	};
	env_store(c);
	uint64_t sp = d->sp;
	if (d->sp_width != 8) {
		uint64_t old = reg_get(c, UC_X86_REG_RSP);
		sp = d->sp_width == 4 ? (uint32_t)sp : (old & ~0xffffull) | sp;
	}
	reg_set(c, UC_X86_REG_RSP, sp);
	uint64_t fl = reg_get(c, UC_X86_REG_RFLAGS) & ~(RFL_TF | RFL_NT | RFL_RF | RFL_VM);
	if (!GATE_IS_TRAP(d->type))
		fl &= ~RFL_IF;
	reg_set(c, UC_X86_REG_RFLAGS, fl);
	reg_set(c, UC_X86_REG_RIP, d->target);
}

static enum step protected_mode(struct delivery *d)
{
	enum step s;
	if ((s = read_gate(d)) != STEP_OK || (s = check_target_cs(d)) != STEP_OK ||
	    (s = switch_stack(d)) != STEP_OK || (s = push_frame(d)) != STEP_OK)
		return s;
	load_cs(d);
	return STEP_OK;
}

int event_inject(struct vcpu *v, struct event ev)
{
	struct cpu *c = &v->cpu;
	for (;;) {
		if (ev.kind == EV_EXCEPTION && ev.vector == X86_PF)
			env_set_cr2(c, ev.cr2);
		uint64_t fl = reg_get(c, UC_X86_REG_RFLAGS);
		if (fault_class(&ev))
			reg_set(c, UC_X86_REG_RFLAGS, fl | RFL_RF);
		else if (!aborts(&ev))
			/* A trap or interrupt comes after an instruction completed,
			 * which clears RF on the CPU; QEMU clears it only at the end
			 * of its translation block. */
			reg_set(c, UC_X86_REG_RFLAGS, fl & ~RFL_RF);
		struct delivery d = { .v = v, .c = c, .ev = ev, .ext = ev.kind != EV_SOFT_INT,
				      .lm = cpu_env(c)->hflags & HF_LMA,
				      .cpl = (int)(cpu_env(c)->hflags & HF_CPL_MASK) };
		enum step s = (reg_get(c, UC_X86_REG_CR0) & CR0_PE) ? protected_mode(&d)
								    : real_mode(&d);
		if (s == STEP_OK)
			return 0;
		if (s == STEP_EXIT)
			return 1;
		if (ev.kind == EV_EXCEPTION && ev.vector == X86_DF) {   /* triple fault */
			v->run->exit_reason = KVM_EXIT_SHUTDOWN;
			return 1;
		}
		ev = combine(ev, d.fault);
	}
}
