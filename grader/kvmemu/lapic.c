/*
 * lapic.c: a vCPU's local APIC as arch/x86/kvm/lapic.c emulates it: the
 * register page (what KVM_GET/SET_LAPIC carry), TPR/PPR, IRR/ISR/TMR, EOI
 * (broadcast to the IOAPIC), the LVTs, the timer in one-shot, periodic and
 * TSC-deadline modes on a 1 GHz APIC bus (APIC_BUS_CYCLE_NS_DEFAULT), the
 * ICR (IPIs, NMI, INIT, SIPI through lapic_ops.send), xAPIC MMIO and x2APIC
 * MSRs. Version 0x50014: six LVTs, no directed EOI (the IOAPIC is in-kernel).
 *
 * Not reproduced: SMI, remote read, lowest-priority arbitration (the caller
 * picks the first match), Hyper-V SynIC, PV EOI, APICv.
 */
#include "irqchip.h"

#include <string.h>

enum {
	R_ID = 0x20, R_LVR = 0x30, R_TPR = 0x80, R_APR = 0x90, R_PPR = 0xa0, R_EOI = 0xb0,
	R_LDR = 0xd0, R_DFR = 0xe0, R_SPIV = 0xf0, R_ISR = 0x100, R_TMR = 0x180,
	R_IRR = 0x200, R_ESR = 0x280, R_ICR = 0x300, R_ICR2 = 0x310, R_LVTT = 0x320,
	R_LVTTHMR = 0x330, R_LVTPC = 0x340, R_LVT0 = 0x350, R_LVT1 = 0x360,
	R_LVTERR = 0x370, R_TMICT = 0x380, R_TMCCT = 0x390, R_TDCR = 0x3e0,
	R_SELF_IPI = 0x3f0,
};
#define LVT_MASKED      0x10000u
#define LVT_LEVEL       0x8000u
#define LVT_MODE        0x700u
#define LVT_BASE_MASK   (LVT_MASKED | 0x1000u | 0xffu)   /* LVT_MASK */
#define LINT_MASK       (LVT_BASE_MASK | LVT_MODE | 0x2000u | 0x4000u | LVT_LEVEL)
#define TIMER_PERIODIC  0x20000u
#define TIMER_TSCDL     0x40000u
#define TIMER_MODE_MASK 0x60000u
#define SPIV_ENABLED    0x100u
#define BASE_BSP        (1ull << 8)
#define BASE_X2APIC     (1ull << 10)
#define BASE_EN         (1ull << 11)
#define MODE_EXTINT     0x700u
#define LAPIC_VERSION   0x50014u     /* APIC_VERSION | (6 - 1) << 16 */

uint32_t lapic_reg(const struct lapic *a, uint32_t off)
{
	uint32_t v;
	memcpy(&v, a->regs + off, 4);
	return v;
}

static void set_reg(struct lapic *a, uint32_t off, uint32_t v)
{
	memcpy(a->regs + off, &v, 4);
}

static bool vec_test(const struct lapic *a, uint32_t base, int vec)
{
	return lapic_reg(a, base + 0x10 * (vec >> 5)) & (1u << (vec & 31));
}

static void vec_set(struct lapic *a, uint32_t base, int vec, bool on)
{
	uint32_t off = base + 0x10 * (vec >> 5), v = lapic_reg(a, off);
	set_reg(a, off, on ? v | (1u << (vec & 31)) : v & ~(1u << (vec & 31)));
}

/* The highest vector set in IRR/ISR/TMR, -1 if none (apic_search_irr). */
static int highest(const struct lapic *a, uint32_t base)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t v = lapic_reg(a, base + 0x10 * i);
		if (v)
			return i * 32 + 31 - __builtin_clz(v);
	}
	return -1;
}

bool lapic_hw_enabled(const struct lapic *a) { return a->base & BASE_EN; }
bool lapic_sw_enabled(const struct lapic *a) { return lapic_reg(a, R_SPIV) & SPIV_ENABLED; }
bool lapic_x2apic(const struct lapic *a) { return (a->base & (BASE_EN | BASE_X2APIC)) == (BASE_EN | BASE_X2APIC); }
static bool enabled(const struct lapic *a) { return lapic_hw_enabled(a) && lapic_sw_enabled(a); }

/* apic_update_ppr: PPR is TPR unless the in-service class is higher. */
static void update_ppr(struct lapic *a)
{
	uint32_t tpr = lapic_reg(a, R_TPR), isr = highest(a, R_ISR);
	uint32_t isrv = (int)isr == -1 ? 0 : isr;
	set_reg(a, R_PPR, (tpr & 0xf0) >= (isrv & 0xf0) ? tpr & 0xff : isrv & 0xf0);
}

static uint32_t timer_mode(const struct lapic *a)
{
	return lapic_reg(a, R_LVTT) & TIMER_MODE_MASK;
}

/* update_divide_count: TDCR bits 0,1,3 give 2..128, 0b111 is 1. */
static uint32_t divide_count(const struct lapic *a)
{
	uint32_t t = lapic_reg(a, R_TDCR);
	uint32_t tmp = ((t & 0x3) | ((t & 0x8) >> 1)) + 1;
	return 1u << (tmp & 7);
}

/* set_target_expiration/start_sw_timer for one-shot and periodic: from
 * TMICT (restore false) or from the TMCCT KVM_SET_LAPIC gave (true). */
static void timer_start(struct lapic *a, bool restore, uint32_t count, uint64_t now)
{
	a->armed = false;
	a->period_ns = (uint64_t)lapic_reg(a, R_TMICT) * divide_count(a);
	if (timer_mode(a) == TIMER_TSCDL || a->period_ns == 0) {
		a->period_ns = 0;
		return;
	}
	if (timer_mode(a) == TIMER_PERIODIC && a->period_ns < LAPIC_TIMER_MIN_PERIOD_NS)
		a->period_ns = LAPIC_TIMER_MIN_PERIOD_NS;  /* limit_periodic_timer_frequency */
	uint64_t d = restore ? (uint64_t)count * divide_count(a) : a->period_ns;
	if (d == 0)
		d = timer_mode(a) == TIMER_PERIODIC ? a->period_ns : 0;
	else if (d > a->period_ns)
		d = a->period_ns;
	a->deadline_ns = now + d;
	a->armed = true;
}

/* start_apic_timer in TSC-deadline mode: 0 disarms. */
static void tscdl_start(struct lapic *a, uint64_t now)
{
	a->armed = false;
	if (!a->tsc_deadline)
		return;
	uint64_t t = a->ops && a->ops->tsc_ns ? a->ops->tsc_ns(a->opaque, a->tsc_deadline) : 0;
	a->deadline_ns = t > now ? t : now;
	a->armed = true;
}

/* apic_update_lvtt: leaving or entering TSC-deadline mode stops the timer
 * and clears TMICT and the deadline. */
static void update_lvtt(struct lapic *a, uint32_t old_mode)
{
	if ((old_mode == TIMER_TSCDL) != (timer_mode(a) == TIMER_TSCDL)) {
		a->armed = false;
		set_reg(a, R_TMICT, 0);
		a->period_ns = 0;
		a->tsc_deadline = 0;
	}
}

void lapic_init(struct lapic *a, int id, const struct lapic_ops *ops, void *opaque)
{
	memset(a, 0, sizeof *a);
	a->id = id;
	a->ops = ops;
	a->opaque = opaque;
	lapic_reset(a, false);
}

/* kvm_lapic_reset. LVT0 of the BSP is ExtINT, unmasked
 * (KVM_X86_QUIRK_LINT0_REENABLED), so the PIC reaches vCPU 0. */
void lapic_reset(struct lapic *a, bool init_event)
{
	if (!init_event) {
		uint64_t base = LAPIC_BASE | BASE_EN | (a->id == 0 ? BASE_BSP : 0);
		a->base = 0;
		lapic_set_base(a, base, true);
	}
	a->armed = false;
	if (!init_event)
		set_reg(a, R_ID, (uint32_t)a->id << 24);
	set_reg(a, R_LVR, LAPIC_VERSION);
	for (uint32_t r = R_LVTT; r <= R_LVTERR; r += 0x10)
		set_reg(a, r, LVT_MASKED);
	if (a->id == 0)
		set_reg(a, R_LVT0, MODE_EXTINT);
	set_reg(a, R_DFR, 0xffffffffu);
	set_reg(a, R_SPIV, 0xff);
	set_reg(a, R_TPR, 0);
	if (!lapic_x2apic(a))
		set_reg(a, R_LDR, 0);
	set_reg(a, R_ESR, 0);
	set_reg(a, R_ICR, 0);
	set_reg(a, R_ICR2, 0);
	set_reg(a, R_TDCR, 0);
	set_reg(a, R_TMICT, 0);
	for (int i = 0; i < 8; i++) {
		set_reg(a, R_IRR + 0x10 * i, 0);
		set_reg(a, R_ISR + 0x10 * i, 0);
		set_reg(a, R_TMR + 0x10 * i, 0);
	}
	a->period_ns = 0;
	a->tsc_deadline = 0;
	a->nmi_pending = 0;
	update_ppr(a);
}

/* kvm_lapic_set_base; kvm_set_apic_base (x86.c) refuses reserved bits and
 * illegal mode changes: 0x2ff, x2APIC without EN, x2APIC -> xAPIC and
 * disabled -> x2APIC by the guest. MAXPHYADDR is the caller's check. */
bool lapic_set_base(struct lapic *a, uint64_t val, bool host)
{
	bool en = val & BASE_EN, x2 = val & BASE_X2APIC;
	if ((val & 0x2ff) || (x2 && !en))
		return false;
	if (!host && lapic_x2apic(a) && en && !x2)
		return false;
	if (!host && !lapic_hw_enabled(a) && x2)
		return false;
	uint64_t old = a->base;
	a->base = val;
	if ((old ^ val) & BASE_EN && en)
		set_reg(a, R_ID, (uint32_t)a->id << 24);
	if ((old ^ val) & BASE_X2APIC && x2) {
		/* kvm_apic_set_x2apic_id: the 32-bit ID, the LDR derived from it. */
		set_reg(a, R_ID, a->id);
		set_reg(a, R_LDR, ((uint32_t)(a->id >> 4) << 16) | (1u << (a->id & 0xf)));
	}
	return true;
}

static uint32_t tmcct(const struct lapic *a, uint64_t now)
{
	if (timer_mode(a) == TIMER_TSCDL || !lapic_reg(a, R_TMICT) || !a->period_ns)
		return 0;
	if (!a->armed || a->deadline_ns <= now)
		return 0;
	uint64_t rem = (a->deadline_ns - now) % a->period_ns;
	return (uint32_t)(rem / divide_count(a));
}

/* kvm_lapic_readable_reg_mask, __apic_read. -1 for an unreadable register. */
static int64_t reg_read(struct lapic *a, uint32_t off, uint64_t now)
{
	bool x2 = lapic_x2apic(a);
	switch (off) {
	case R_ID: case R_LVR: case R_TPR: case R_LDR: case R_SPIV: case R_ESR:
	case R_ICR: case R_LVTT: case R_LVTTHMR: case R_LVTPC: case R_LVT0:
	case R_LVT1: case R_LVTERR: case R_TMICT: case R_TDCR:
		return lapic_reg(a, off);
	case R_PPR:
		update_ppr(a);
		return lapic_reg(a, off);
	case R_TMCCT:
		return tmcct(a, now);
	case R_APR:
		return x2 ? -1 : 0;     /* ARBPRI is not supported: reads 0 */
	case R_DFR: case R_ICR2:
		return x2 ? -1 : (int64_t)lapic_reg(a, off);
	}
	if (off >= R_ISR && off < R_IRR + 0x80 && !(off & 0xf))
		return lapic_reg(a, off);
	return -1;
}

/* apic_mmio_read: a disabled or x2APIC-mode APIC reads all ones
 * (KVM_X86_QUIRK_LAPIC_MMIO_HOLE); an access crossing a register reads 0. */
uint32_t lapic_mmio_read(struct lapic *a, uint32_t off, uint64_t now_ns)
{
	if (!lapic_hw_enabled(a) || lapic_x2apic(a))
		return 0xffffffffu;
	if ((off & 0xf) || off > 0x3f0)
		return 0;
	int64_t v = reg_read(a, off, now_ns);
	return v < 0 ? 0 : (uint32_t)v;
}

/* __apic_accept_irq */
int lapic_accept(struct lapic *a, const struct irq_msg *m)
{
	switch (m->delivery) {
	case 0: case 1:          /* fixed, lowest priority */
		if ((m->level_trig && !m->assert) || !enabled(a))
			return 0;
		vec_set(a, R_TMR, m->vector, m->level_trig);
		vec_set(a, R_IRR, m->vector, true);
		return 1;
	case 4:                  /* NMI */
		a->nmi_pending++;
		return 1;
	case 5:                  /* INIT; a level de-assert is ignored */
		if (m->level_trig && !m->assert)
			return 0;
		a->pending_events = LAPIC_INIT;
		return 1;
	case 6:                  /* STARTUP */
		a->sipi_vector = m->vector;
		a->pending_events |= LAPIC_SIPI;
		return 1;
	default:                 /* SMI, remote read, ExtINT (the PIC's path) */
		return 0;
	}
}

/* The x2APIC entries 6.1's kvm_recalculate_apic_map gives an APIC in its
 * phys_map: the x2APIC ID (the vCPU's) and, as x2APIC logical delivery reuses
 * phys_map by cluster, the slot of its LDR's lowest bit. The two differ only
 * after a KVM_SET_LAPIC with another ID (kvm_apic_state_fixup derives the LDR
 * from the given ID): the oracle then delivers to both IDs, physical and
 * logical (corpus-io/m14; FACTS.md "Interrupts"). -1 without an LDR. */
static uint32_t x2_alias(const struct lapic *a)
{
	uint32_t ldr = lapic_reg(a, R_LDR);
	if (!(ldr & 0xffff))
		return 0xffffffffu;
	return (ldr >> 16) * 16 + (uint32_t)__builtin_ctz(ldr & 0xffff);
}

/* Whether the x2APIC logical destination mda names phys_map slot id. */
static bool x2_logical_hits(uint32_t mda, uint32_t id)
{
	return (mda >> 16) == (id >> 4) && (mda & (1u << (id & 0xf)));
}

/* kvm_apic_match_dest with kvm_apic_match_physical_addr/_logical_addr. */
bool lapic_match_dest(const struct lapic *a, const struct lapic *from, const struct irq_msg *m)
{
	switch (m->shorthand) {
	case 1: return a == from;
	case 2: return true;
	case 3: return a != from;
	}
	bool x2 = lapic_x2apic(a);
	uint32_t mda = m->dest;
	/* kvm_apic_mda: an xAPIC source's broadcast 0xff is x2APIC's too. */
	if (x2 && (!from || !lapic_x2apic(from)) && mda == 0xff)
		mda = 0xffffffffu;
	if (!m->logical) {
		if (x2)
			return mda == 0xffffffffu || mda == (uint32_t)a->id || mda == x2_alias(a);
		return mda == 0xff || mda == lapic_reg(a, R_ID) >> 24;
	}
	uint32_t ldr = lapic_reg(a, R_LDR);
	if (x2)
		return mda == 0xffffffffu ||
		       ((ldr >> 16) == (mda >> 16) && (ldr & mda & 0xffff) != 0) ||
		       x2_logical_hits(mda, (uint32_t)a->id);
	uint32_t lid = ldr >> 24;
	mda &= 0xff;
	if (mda == 0xff)
		return true;
	if ((lapic_reg(a, R_DFR) >> 28) == 0xf)      /* flat */
		return (lid & mda) != 0;
	return (lid >> 4) == (mda >> 4) && (lid & mda & 0xf) != 0;   /* cluster */
}

/* kvm_apic_send_ipi */
static void send_ipi(struct lapic *a, uint32_t lo, uint32_t hi)
{
	struct irq_msg m = {
		.vector = lo & 0xff, .delivery = (lo >> 8) & 7, .logical = lo & 0x800,
		.assert = lo & 0x4000, .level_trig = lo & 0x8000, .shorthand = (lo >> 18) & 3,
		.dest = lapic_x2apic(a) ? hi : hi >> 24,
	};
	if (a->ops && a->ops->send)
		a->ops->send(a->opaque, a, &m);
}

/* apic_set_eoi: the highest in-service vector retires. */
static void eoi(struct lapic *a)
{
	int vec = highest(a, R_ISR);
	if (vec < 0)
		return;
	vec_set(a, R_ISR, vec, false);
	update_ppr(a);
	if (a->ops && a->ops->eoi)
		a->ops->eoi(a->opaque, vec, vec_test(a, R_TMR, vec));
}

static void write_lvt(struct lapic *a, uint32_t off, uint32_t val)
{
	uint32_t mask = (off == R_LVT0 || off == R_LVT1) ? LINT_MASK :
			(off == R_LVTTHMR || off == R_LVTPC) ? LVT_BASE_MASK | LVT_MODE :
			LVT_BASE_MASK;
	if (!lapic_sw_enabled(a))
		val |= LVT_MASKED;
	set_reg(a, off, val & mask);
}

/* kvm_lapic_reg_write: 0, or 1 for a write x2APIC mode refuses (#GP). */
static int reg_write(struct lapic *a, uint32_t off, uint32_t val, uint64_t now)
{
	bool x2 = lapic_x2apic(a);
	switch (off) {
	case R_ID:
		if (x2)
			return 1;
		set_reg(a, R_ID, val & 0xff000000u);
		return 0;
	case R_TPR:
		set_reg(a, R_TPR, val & 0xff);
		update_ppr(a);
		return 0;
	case R_EOI:
		eoi(a);
		return 0;
	case R_LDR:
		if (x2)
			return 1;
		set_reg(a, R_LDR, val & 0xff000000u);
		return 0;
	case R_DFR:
		if (x2)
			return 1;
		set_reg(a, R_DFR, val | 0x0fffffffu);
		return 0;
	case R_SPIV:
		set_reg(a, R_SPIV, val & 0x3ff);
		if (!(val & SPIV_ENABLED)) {   /* software disable masks every LVT */
			for (uint32_t r = R_LVTT; r <= R_LVTERR; r += 0x10)
				set_reg(a, r, lapic_reg(a, r) | LVT_MASKED);
		}
		return 0;
	case R_ICR:
		val &= ~0x1000u;     /* delivery status: never busy */
		send_ipi(a, val, lapic_reg(a, R_ICR2));
		set_reg(a, R_ICR, val);
		return 0;
	case R_ICR2:
		if (x2)
			return 1;
		set_reg(a, R_ICR2, val & 0xff000000u);
		return 0;
	case R_LVTT: {
		uint32_t old = timer_mode(a);
		if (!lapic_sw_enabled(a))
			val |= LVT_MASKED;
		val &= LVT_BASE_MASK | (a->tsc_deadline_ok ? TIMER_MODE_MASK : TIMER_PERIODIC);
		set_reg(a, R_LVTT, val);
		update_lvtt(a, old);
		return 0;
	}
	case R_LVT0: case R_LVTTHMR: case R_LVTPC: case R_LVT1: case R_LVTERR:
		write_lvt(a, off, val);
		return 0;
	case R_TMICT:
		if (timer_mode(a) == TIMER_TSCDL)
			return 0;
		set_reg(a, R_TMICT, val);
		timer_start(a, false, 0, now);
		return 0;
	case R_TDCR: {
		/* A running timer keeps its elapsed fraction (update_target_expiration). */
		uint32_t old_div = divide_count(a);
		set_reg(a, R_TDCR, val & 0xb);
		uint32_t div = divide_count(a);
		if (div != old_div && a->period_ns && a->armed && a->deadline_ns > now) {
			uint64_t rem = a->deadline_ns - now;
			a->period_ns = a->period_ns / old_div * div;
			a->deadline_ns = now + rem / old_div * div;
		}
		return 0;
	}
	case R_ESR:
		return x2 && val != 0;
	case R_SELF_IPI:
		if (!x2)
			return 1;
		send_ipi(a, 0x40000u | (val & 0xff), 0);   /* APIC_DEST_SELF */
		return 0;
	}
	return 1;
}

/* apic_mmio_write: x2APIC mode or a disabled APIC ignores MMIO. */
void lapic_mmio_write(struct lapic *a, uint32_t off, uint32_t val, uint64_t now_ns)
{
	if (!lapic_hw_enabled(a) || lapic_x2apic(a) || (off & 0xf))
		return;
	reg_write(a, off, val, now_ns);
}

/* kvm_x2apic_msr_read: ICR is 64-bit, ICR2 doesn't exist. */
int lapic_msr_read(struct lapic *a, uint32_t msr, uint64_t *val, uint64_t now_ns)
{
	uint32_t off = (msr - 0x800) << 4;
	if (!lapic_x2apic(a) || msr < 0x800 || msr > 0x8ff || off == R_ICR2)
		return 1;
	if (off == R_ICR) {
		*val = lapic_reg(a, R_ICR) | (uint64_t)lapic_reg(a, R_ICR2) << 32;
		return 0;
	}
	int64_t v = off == R_EOI || off == R_SELF_IPI ? -1 : reg_read(a, off, now_ns);
	if (v < 0)
		return 1;
	*val = (uint32_t)v;
	return 0;
}

/* kvm_x2apic_msr_write: bits 63:32 reserved except in the ICR; a write to
 * EOI must be 0. */
int lapic_msr_write(struct lapic *a, uint32_t msr, uint64_t val, uint64_t now_ns)
{
	uint32_t off = (msr - 0x800) << 4;
	if (!lapic_x2apic(a) || msr < 0x800 || msr > 0x8ff || off == R_ICR2)
		return 1;
	if (off == R_ICR) {
		set_reg(a, R_ICR2, (uint32_t)(val >> 32));
		return reg_write(a, R_ICR, (uint32_t)val, now_ns);
	}
	if (val >> 32)
		return 1;
	if (off == R_EOI && val != 0)
		return 1;
	return reg_write(a, off, (uint32_t)val, now_ns);
}

uint64_t lapic_tsc_deadline(const struct lapic *a)
{
	if (!lapic_hw_enabled(a) || timer_mode(a) != TIMER_TSCDL)
		return 0;
	return a->tsc_deadline;
}

/* kvm_set_lapic_tscdeadline_msr: ignored outside TSC-deadline mode. */
void lapic_set_tsc_deadline(struct lapic *a, uint64_t tsc, uint64_t now_ns)
{
	if (!lapic_hw_enabled(a) || timer_mode(a) != TIMER_TSCDL)
		return;
	a->tsc_deadline = tsc;
	tscdl_start(a, now_ns);
}

/* apic_has_interrupt_for_ppr */
int lapic_has_interrupt(const struct lapic *a)
{
	if (!lapic_hw_enabled(a))
		return -1;
	int irr = highest(a, R_IRR);
	uint32_t tpr = lapic_reg(a, R_TPR), isr = highest(a, R_ISR);
	uint32_t isrv = (int)isr == -1 ? 0 : isr;
	uint32_t ppr = (tpr & 0xf0) >= (isrv & 0xf0) ? tpr & 0xff : isrv & 0xf0;
	if (irr < 0 || ((uint32_t)irr & 0xf0) <= ppr)
		return -1;
	return irr;
}

/* kvm_get_apic_interrupt */
int lapic_ack(struct lapic *a)
{
	int vec = lapic_has_interrupt(a);
	if (vec < 0)
		return -1;
	vec_set(a, R_IRR, vec, false);
	vec_set(a, R_ISR, vec, true);
	update_ppr(a);
	return vec;
}

bool lapic_accepts_pic(const struct lapic *a)
{
	uint32_t lvt0 = lapic_reg(a, R_LVT0);
	if (!lapic_hw_enabled(a))
		return true;
	return !(lvt0 & LVT_MASKED) && (lvt0 & LVT_MODE) == MODE_EXTINT;
}

/* kvm_apic_local_deliver(APIC_LVTT) at expiry, then the next period. */
uint64_t lapic_timer_poll(struct lapic *a, uint64_t now_ns)
{
	if (!a->armed)
		return 0;
	if (a->deadline_ns > now_ns)
		return a->deadline_ns;
	uint32_t lvtt = lapic_reg(a, R_LVTT);
	if (lapic_hw_enabled(a) && !(lvtt & LVT_MASKED)) {
		struct irq_msg m = { .vector = lvtt & 0xff, .level_trig = lvtt & LVT_LEVEL,
				     .assert = true };
		lapic_accept(a, &m);
	}
	if (timer_mode(a) == TIMER_PERIODIC && a->period_ns) {
		/* advance_periodic_target_expiration: missed periods coalesce. */
		uint64_t late = now_ns - a->deadline_ns;
		a->deadline_ns += (late / a->period_ns + 1) * a->period_ns;
		return a->deadline_ns;
	}
	if (timer_mode(a) == TIMER_TSCDL)
		a->tsc_deadline = 0;
	a->armed = false;
	return 0;
}

uint8_t lapic_get_cr8(const struct lapic *a)
{
	return (lapic_reg(a, R_TPR) & 0xf0) >> 4;
}

/* kvm_lapic_set_tpr */
void lapic_set_cr8(struct lapic *a, uint8_t cr8)
{
	set_reg(a, R_TPR, (cr8 & 0x0f) << 4);
	update_ppr(a);
}

/* kvm_apic_get_state with kvm_apic_state_fixup: TMCCT computed; in x2APIC
 * mode without KVM_CAP_X2APIC_API the ID is shifted to bits 31:24. */
void lapic_get_state(struct lapic *a, struct kvm_lapic_state *s, uint64_t now_ns)
{
	memcpy(s->regs, a->regs, sizeof s->regs);
	uint32_t t = tmcct(a, now_ns);
	memcpy(s->regs + R_TMCCT, &t, 4);
	if (lapic_x2apic(a) && !a->x2apic_format) {
		uint32_t id = lapic_reg(a, R_ID) << 24;
		memcpy(s->regs + R_ID, &id, 4);
	}
}

/* kvm_apic_set_state: the page as given (version, LDR in x2APIC mode
 * recomputed), PPR, the timer restarted from the given TMCCT. In x2APIC mode
 * without KVM_CAP_X2APIC_API the ID is the given bits 31:24, kept as given
 * (6.1's kvm_apic_state_fixup: "*id >>= 24"; the guest reads it, the LDR is
 * derived from it), while delivery still knows the vCPU's (x2_alias). */
int lapic_set_state(struct lapic *a, const struct kvm_lapic_state *s, uint64_t now_ns)
{
	struct kvm_lapic_state c = *s;
	if (lapic_x2apic(a)) {
		uint32_t id;
		memcpy(&id, c.regs + R_ID, 4);
		if (a->x2apic_format && id != (uint32_t)a->id)
			return -22;
		if (!a->x2apic_format)
			id >>= 24;
		uint32_t ldr = ((id >> 4) << 16) | (1u << (id & 0xf));
		memcpy(c.regs + R_ID, &id, 4);
		memcpy(c.regs + R_LDR, &ldr, 4);
	}
	uint32_t count, old_mode = timer_mode(a);
	memcpy(&count, c.regs + R_TMCCT, 4);
	memcpy(a->regs, c.regs, sizeof a->regs);
	set_reg(a, R_LVR, LAPIC_VERSION);
	update_ppr(a);
	a->armed = false;
	/* apic_update_lvtt against the mode before: into or out of TSC-deadline
	 * mode, the given TMICT is cleared and no timer starts (the oracle,
	 * corpus-io/m13). */
	update_lvtt(a, old_mode);
	if (timer_mode(a) == TIMER_TSCDL) {
		a->period_ns = 0;
		tscdl_start(a, now_ns);
	} else {
		timer_start(a, true, count, now_ns);
	}
	set_reg(a, R_TMCCT, 0);
	return 0;
}
