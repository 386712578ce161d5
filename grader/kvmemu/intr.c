/*
 * intr.c - interrupt and exception delivery, real and protected mode.
 *
 * Unicorn reports `int n`, int3 and faults to a hook and delivers nothing;
 * on KVM the CPU delivers them. Real mode: through the IVT (SDM vol. 3,
 * 20.1.4): FLAGS, CS, IP pushed, IF/TF/AC cleared. Protected mode: through
 * the IDT's interrupt and trap gates (SDM vol. 3, 6.10-6.12): EFLAGS, CS,
 * EIP (and an error code) pushed on the current stack, TF/NT/RF/VM cleared,
 * IF too for an interrupt gate, CS loaded from the gate's descriptor. Long
 * mode: 16-byte gates, RSP aligned to 16, SS:RSP pushed too (6.14). Tables
 * and stacks are linear addresses, walked through the guest's paging.
 *
 * A fault while delivering is handled as the CPU does (SDM vol. 3, table
 * 6-5): contributory after contributory gives #DF, a fault while delivering
 * #DF is a triple fault: KVM_EXIT_SHUTDOWN. IVT/IDT, GDT or stack outside
 * every slot: KVM can't deliver the event and exits KVM_EXIT_INTERNAL_ERROR,
 * suberror KVM_INTERNAL_ERROR_DELIVERY_EV (vmx.c, since Linux 6.14).
 *
 * Not emulated (refused with a diagnostic, KVM_EXIT_INTERNAL_ERROR): task
 * gates, a privilege change outside long mode (the 32-bit TSS stack switch).
 * In long mode the new RSP comes from the TSS (RSP0-2, or IST1-7). The error code of an
 * exception the engine raised (#GP, #PF...) and whether an event was a
 * software interrupt come from QEMU's own state (env.c env_exception).
 */
#include "kvmemu.h"

#include <string.h>

enum { DE = 0, DF = 8, TS = 10, NP = 11, SS_ = 12, GP = 13, PF = 14 };

/* Why a delivery step failed: a fault to raise, or an exit already set. */
struct fault {
	int vector;               /* -1: none; -2: exit set (internal error) */
	uint32_t err;
};

static bool contributory(int v)
{
	return v == DE || (v >= TS && v <= GP);
}

static bool error_code_of(int v)
{
	return v == DF || (v >= TS && v <= PF) || v == 17 || v == 21;
}

static struct fault raise(int vector, uint32_t err)
{
	return (struct fault){ vector, err };
}

static struct fault unmapped(struct vcpu *v)
{
	cpu_internal_error(v, KVM_INTERNAL_ERROR_DELIVERY_EV);
	return (struct fault){ -2, 0 };
}

static struct fault refuse(struct vcpu *v, const char *what, int vector)
{
	kvmemu_diag("%s (vector %d) is not emulated: KVM_EXIT_INTERNAL_ERROR", what, vector);
	cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
	return (struct fault){ -2, 0 };
}

/* Pushes n bytes of val at SS.base + (E/R)SP, the stack pointer wrapped to
 * its width (2, 4 or 8); false when the stack isn't writable RAM. */
static bool push(struct vcpu *v, uint64_t *sp, int width, uint64_t val, int n)
{
	struct cpu *c = &v->cpu;
	uint64_t mask = width == 8 ? ~0ull : width == 4 ? 0xffffffffull : 0xffffull;
	*sp = (*sp - (uint64_t)n) & mask;
	uint64_t base = width == 8 ? 0 : cpu_seg_base(c, SEG_SS);
	return lin_write(v, (base + *sp) & cpu_lin_mask(c), &val, (uint32_t)n);
}

static void set_sp(struct cpu *c, uint64_t sp, int width)
{
	uint64_t old = reg_get(c, UC_X86_REG_RSP);
	reg_set(c, UC_X86_REG_RSP, width == 8 ? sp : width == 4 ? (uint32_t)sp
							: ((old & ~0xffffull) | sp));
}

static struct fault real_mode(struct vcpu *v, int vector)
{
	struct cpu *c = &v->cpu;
	uc_x86_mmr idt = { 0 };
	uc.reg_read(c->uc, UC_X86_REG_IDTR, &idt);
	if ((uint32_t)vector * 4 + 3 > idt.limit)
		return raise(GP, vector * 8 + 2);
	uint8_t ent[4];
	if (!lin_read(v, idt.base + (uint64_t)vector * 4, ent, 4))
		return unmapped(v);
	uint16_t off, sel;
	memcpy(&off, ent, 2);
	memcpy(&sel, ent + 2, 2);
	uint64_t sp = reg_get(c, UC_X86_REG_RSP) & 0xffff;
	uint64_t fl = reg_get(c, UC_X86_REG_RFLAGS);
	if (!push(v, &sp, 2, fl & 0xffff, 2) ||
	    !push(v, &sp, 2, cpu_env(c)->seg[SEG_CS].selector, 2) ||
	    !push(v, &sp, 2, reg_get(c, UC_X86_REG_RIP) & 0xffff, 2))
		return unmapped(v);
	set_sp(c, sp, 2);
	reg_set(c, UC_X86_REG_RFLAGS, fl & ~(0x200ull | 0x100ull | 0x40000ull | 0x10000ull));
	c->env.seg[SEG_CS].selector = sel;          /* limit and attributes stay */
	c->env.seg[SEG_CS].base = (uint64_t)sel << 4;
	env_store(c);
	reg_set(c, UC_X86_REG_RIP, off);
	return raise(-1, 0);
}

/* The 8-byte descriptor for selector sel (GDT or LDT) into d, its linear
 * address into *where; or a fault. */
static struct fault descriptor(struct vcpu *v, uint16_t sel, uint32_t ext, uint32_t d[2],
			       uint64_t *where)
{
	struct cpu *c = &v->cpu;
	uint64_t base;
	uint32_t limit;
	if (sel & 4) {
		base = cpu_env(c)->seg[SEG_LDT].base;
		limit = cpu_env(c)->seg[SEG_LDT].limit;
	} else {
		uc_x86_mmr gdt = { 0 };
		uc.reg_read(c->uc, UC_X86_REG_GDTR, &gdt);
		base = gdt.base;
		limit = gdt.limit;
	}
	if ((sel & ~7u) + 7u > limit)
		return raise(GP, (sel & ~3u) | ext);
	*where = (base + (sel & ~7u)) & cpu_lin_mask(c);
	if (!lin_read(v, *where, d, 8))
		return unmapped(v);
	return raise(-1, 0);
}

static struct fault protected_mode(struct vcpu *v, int vector, bool soft, bool has_err,
				   uint32_t err)
{
	struct cpu *c = &v->cpu;
	bool lm = cpu_env(c)->hflags & (1u << 14);                 /* HF_LMA: 16-byte gates */
	uint32_t ext = soft ? 0 : 1, gsize = lm ? 16 : 8;
	uc_x86_mmr idt = { 0 };
	uc.reg_read(c->uc, UC_X86_REG_IDTR, &idt);
	if ((uint32_t)vector * gsize + gsize - 1 > idt.limit)
		return raise(GP, vector * 8 + 2 + ext);
	uint32_t g[4] = { 0 };
	if (!lin_read(v, (idt.base + (uint64_t)vector * gsize) & cpu_lin_mask(c), g, gsize))
		return unmapped(v);
	uint32_t lo = g[0], hi = g[1];
	uint32_t type = hi >> 8 & 0x1f, dpl = hi >> 13 & 3;
	int cpl = cpu_env(c)->hflags & 3;
	if (type == 5 && !lm)
		return refuse(v, "delivery through a task gate", vector);
	if (lm ? (type != 14 && type != 15) : (type != 6 && type != 7 && type != 14 && type != 15))
		return raise(GP, vector * 8 + 2 + ext);
	if (soft && (int)dpl < cpl)
		return raise(GP, vector * 8 + 2);
	if (!(hi & 0x8000))
		return raise(NP, vector * 8 + 2 + ext);
	unsigned ist = lm ? (hi & 7) : 0;
	bool gate32 = type & 8;
	uint16_t sel = lo >> 16;
	uint64_t off = gate32 ? ((lo & 0xffff) | (hi & 0xffff0000u)) : (lo & 0xffff);
	if (lm)
		off |= (uint64_t)g[2] << 32;
	if (!(sel & ~3u))
		return raise(GP, ext);
	uint32_t d[2];
	uint64_t where;
	struct fault f = descriptor(v, sel, ext, d, &where);
	if (f.vector != -1)
		return f;
	uint32_t cdpl = d[1] >> 13 & 3;
	if ((d[1] & 0x1800) != 0x1800 || (int)cdpl > cpl)   /* S=1, code */
		return raise(GP, (sel & ~3u) | ext);
	if (lm && (!(d[1] & (1u << 21)) || (d[1] & (1u << 22))))   /* L=1, D=0 */
		return raise(GP, (sel & ~3u) | ext);
	if (!(d[1] & 0x8000))
		return raise(NP, (sel & ~3u) | ext);
	bool change = !(d[1] & 0x400) && (int)cdpl < cpl;   /* non-conforming, more privileged */
	if (change && !lm)
		return refuse(v, "a 32-bit interrupt with a privilege change (stack switch)", vector);
	int new_cpl = change ? (int)cdpl : cpl;

	uint64_t fl = reg_get(c, UC_X86_REG_RFLAGS), sp;
	int width, n;
	if (lm) {
		/* SDM vol. 3, 6.14.2: RSP aligned to 16, SS:RSP always pushed. */
		width = 8;
		n = 8;
		uint64_t old_rsp = reg_get(c, UC_X86_REG_RSP), new_rsp = old_rsp;
		if (ist || change) {
			/* The 64-bit TSS: RSP0-2 at 4, IST1-7 at 36 (SDM vol. 3, 8.7). */
			const struct segcache *tr = &cpu_env(c)->seg[SEG_TR];
			uint32_t off = ist ? 36 + 8 * (ist - 1) : 4 + 8 * cdpl;
			if (off + 7 > tr->limit)
				return raise(TS, (tr->selector & ~3u) | ext);
			if (!lin_read(v, tr->base + off, &new_rsp, 8))
				return unmapped(v);
		}
		sp = new_rsp & ~15ull;
		if (!push(v, &sp, 8, cpu_env(c)->seg[SEG_SS].selector, 8) ||
		    !push(v, &sp, 8, old_rsp, 8))
			return unmapped(v);
	} else {
		width = (cpu_env(c)->seg[SEG_SS].flags & (1u << 22)) ? 4 : 2;
		n = gate32 ? 4 : 2;
		sp = reg_get(c, UC_X86_REG_RSP) & (width == 4 ? 0xffffffffull : 0xffff);
	}
	if (!push(v, &sp, width, fl, n) ||
	    !push(v, &sp, width, cpu_env(c)->seg[SEG_CS].selector, n) ||
	    !push(v, &sp, width, reg_get(c, UC_X86_REG_RIP), n) ||
	    (has_err && !push(v, &sp, width, err, n)))
		return unmapped(v);
	set_sp(c, sp, width);
	/* The accessed bit, in the GDT and in the cache (as a segment load). */
	if (!(d[1] & 0x100)) {
		d[1] |= 0x100;
		lin_write(v, where + 4, &d[1], 4);
	}
	uint32_t limit = (d[0] & 0xffff) | (d[1] & 0xf0000);
	if (d[1] & (1u << 23))
		limit = limit << 12 | 0xfff;
	if (change)      /* long mode: SS becomes a null selector with RPL = the new CPL */
		c->env.seg[SEG_SS] = (struct segcache){ .selector = cdpl, .flags = cdpl << 13 };
	c->env.seg[SEG_CS] = (struct segcache){
		.selector = (sel & ~3u) | (uint32_t)new_cpl,
		.base = (d[0] >> 16) | (d[1] & 0xff) << 16 | (d[1] & 0xff000000u),
		.limit = limit,
		.flags = d[1] & 0x00f0ff00u,
	};
	env_store(c);
	fl &= ~(0x100ull | 0x4000ull | 0x10000ull | 0x20000ull);   /* TF NT RF VM */
	if (!(type & 1))
		fl &= ~0x200ull;                                    /* interrupt gate: IF */
	reg_set(c, UC_X86_REG_RFLAGS, fl);
	reg_set(c, UC_X86_REG_RIP, off);
	return raise(-1, 0);
}

/* from_engine: the event came from Unicorn's interrupt hook, which knows
 * whether it was a software interrupt and the exception's error code;
 * otherwise it is an exception kvmemu raises itself (#UD). */
int intr_deliver(struct vcpu *v, int vector, bool from_engine)
{
	struct cpu *c = &v->cpu;
	bool pe = reg_get(c, UC_X86_REG_CR0) & 1;
	uint32_t err = 0;
	bool soft = false;
	if (from_engine) {
		err = c->exc_err;
		soft = c->exc_soft;
	}
	bool has_err = pe && !soft && error_code_of(vector);
	for (;;) {
		struct fault f = pe ? protected_mode(v, vector, soft, has_err, err)
				    : real_mode(v, vector);
		if (f.vector == -1)
			return 0;
		if (f.vector == -2)
			return 1;
		if (vector == DF) {                      /* triple fault */
			v->run->exit_reason = KVM_EXIT_SHUTDOWN;
			return 1;
		}
		/* A software interrupt is no exception: its fault is delivered.
		 * Table 6-5: contributory, or #PF then #PF/contributory: #DF. */
		if (!soft && ((contributory(vector) && contributory(f.vector)) ||
			      (vector == PF && (f.vector == PF || contributory(f.vector)))))
			f = raise(DF, 0);
		vector = f.vector;
		err = f.err;
		soft = false;
		has_err = pe && error_code_of(vector);
	}
}
