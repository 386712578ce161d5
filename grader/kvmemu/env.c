/*
 * env.c - the CPU state Unicorn's register API can't reach: each segment's
 * hidden part (base, limit, attributes), TR, LDT, EFER as set, and the
 * translation flags QEMU derives from them (hflags).
 *
 * KVM_SET_SREGS sets hidden segment state directly, with no GDT in guest
 * memory; a guest in unreal mode keeps a cached base its selector doesn't
 * give. Unicorn's API writes only selectors (and, in a 64-bit engine, not even
 * the base). Its context save/restore, though, is a plain copy of the front
 * of QEMU's CPUX86State (uc.c uc_context_save: memcpy of env). So we copy just
 * the front (through EFER), edit the SegmentCache fields, recompute hflags as
 * QEMU's cpu_x86_load_seg_cache does, and copy it back.
 *
 * The layout is Unicorn 2.1's (qemu/target/i386/cpu.h, x86_64 target). It is
 * not trusted: env_probe() checks every offset used against values written
 * through the public API, and kvmemu refuses to start on a build where they
 * don't match.
 */
#include "kvmemu.h"

#include <errno.h>
#include <string.h>

/* Offsets into CPUX86State (x86_64 target: target_ulong is 64 bits). */
enum {
	OFF_EIP = 128,              /* regs[16] before it */
	OFF_CC_DST = 144,           /* after eflags: QEMU's lazy flags */
	OFF_CC_SRC = 152,
	OFF_CC_OP = 168,            /* after cc_src2: u32 (CC_OP_EFLAGS is 1) */
	OFF_DF = 172,               /* i32: 1, or -1 for DF set */
	OFF_HFLAGS = 176,
	OFF_HFLAGS2 = 180,          /* uint32_t hflags2, after hflags */
	OFF_SEGS = 184,             /* SegmentCache segs[6], ldt, tr, gdt, idt */
	SEGCACHE = 24,              /* { u32 selector; u64 base; u32 limit, flags } */
	OFF_LDT = OFF_SEGS + 6 * SEGCACHE,
	OFF_TR = OFF_LDT + SEGCACHE,
	OFF_GDT = OFF_TR + SEGCACHE,
	OFF_IDT = OFF_GDT + SEGCACHE,
	OFF_CR = OFF_IDT + SEGCACHE, /* target_ulong cr[5] */
	OFF_EFER = 560,             /* after a20_mask, bnd_regs[4], bndcs_regs, msr_bndcfgs */
	ENV_BYTES = 568,            /* what we copy: everything through EFER */
};

/* QEMU's segment-cache flags are the descriptor's high dword (x86.h). */
#define DESC_TYPE_SHIFT 8
#define DESC_DPL_SHIFT 13

/* uc_priv.h struct uc_context: the size of data[] comes first. Shrinking it
 * makes save/restore copy only the part we use. */
struct uc_context_head {
	size_t context_size;
	int mode, arch, snapshot_level;
	char data[];
};

static uint8_t *data(struct cpu *c)
{
	return (uint8_t *)((struct uc_context_head *)c->ctx)->data;
}

static uint32_t rd32(const uint8_t *p) { uint32_t x; memcpy(&x, p, 4); return x; }
static uint64_t rd64(const uint8_t *p) { uint64_t x; memcpy(&x, p, 8); return x; }
static void wr32(uint8_t *p, uint32_t x) { memcpy(p, &x, 4); }
static void wr64(uint8_t *p, uint64_t x) { memcpy(p, &x, 8); }

static int seg_off(int i)       /* kvmemu order: cs ds es fs gs ss tr ldt */
{
	static const int qemu[8] = { 1, 3, 0, 4, 5, 2, -1, -2 };  /* R_ES=0 CS SS DS FS GS */
	return qemu[i] == -1 ? OFF_TR : qemu[i] == -2 ? OFF_LDT : OFF_SEGS + qemu[i] * SEGCACHE;
}

/* Fills c->env from the engine (one copy of ENV_BYTES). */
void env_load(struct cpu *c)
{
	uc.context_save(c->uc, c->ctx);
	const uint8_t *d = data(c);
	for (int i = 0; i < 8; i++) {
		const uint8_t *s = d + seg_off(i);
		c->env.seg[i].selector = rd32(s);
		c->env.seg[i].base = rd64(s + 8);
		c->env.seg[i].limit = rd32(s + 16);
		c->env.seg[i].flags = rd32(s + 20);
	}
	/* LTR marks the TSS busy (SDM vol. 2, LTR); QEMU sets the bit in the
	 * GDT but loads the descriptor it read, type 9 (or 1): KVM_GET_SREGS
	 * shows the busy type, as on KVM. */
	uint32_t tr_type = DESC_TYPE(c->env.seg[SEG_TR].flags);
	if (tr_type == 9 || tr_type == 1)
		c->env.seg[SEG_TR].flags |= 2u << DESC_TYPE_SHIFT;
	c->env.hflags = rd32(d + OFF_HFLAGS);
	c->env.efer = rd64(d + OFF_EFER);
	c->env.valid = true;
}

/* QEMU's hflags for the current CR0 and EFER and the segments in c->env
 * (cpu_x86_load_seg_cache's rules, applied to CS and SS at once). */
static uint32_t hflags_for(const struct env *e, uint64_t cr0, uint64_t cr4)
{
	uint32_t h = e->hflags & ~(HF_CPL_MASK | HF_CS32 | HF_SS32 | HF_ADDSEG | HF_PE |
				   HF_LMA | HF_CS64 | HF_SMAP);
	/* SMAP (SDM vol. 3, 4.6.1) is enforced by QEMU's page walk through
	 * this flag, which its cpu_x86_update_cr4 sets only when the CPU model
	 * (qemu64) has SMAP: kvmemu sets it from CR4 itself (KVM already
	 * checked CR4 against the guest's CPUID). SMEP needs nothing: the walk
	 * reads CR4.SMEP. */
	if (cr4 & CR4_SMAP)
		h |= HF_SMAP;
	uint32_t csf = e->seg[0].flags, ssf = e->seg[5].flags;
	if (cr0 & CR0_PE)
		h |= HF_PE;
	if (e->efer & EFER_LMA)
		h |= HF_LMA;
	if ((h & HF_LMA) && (csf & DESC_L))
		h |= HF_CS32 | HF_SS32 | HF_CS64;
	else if (csf & DESC_DB)
		h |= HF_CS32;
	if (ssf & DESC_DB)
		h |= HF_SS32;
	/* CPL: SS.DPL in protected mode (QEMU keeps it there), 0 in real mode. */
	if (cr0 & CR0_PE)
		h |= (ssf >> DESC_DPL_SHIFT) & 3;
	if (h & HF_CS64)
		;                                             /* flat DS/ES/SS */
	else if (!(cr0 & CR0_PE) || !(h & HF_CS32))
		h |= HF_ADDSEG;
	else if (e->seg[1].base | e->seg[2].base | e->seg[5].base)
		h |= HF_ADDSEG;
	return h;
}

/* Writes c->env's segments and EFER back to the engine, with the hflags
 * they imply. CR0/CR3/CR4 must already be in the engine. */
void env_store(struct cpu *c)
{
	uc.context_save(c->uc, c->ctx);           /* the rest of the front, current */
	uint8_t *d = data(c);
	c->env.hflags = hflags_for(&c->env, rd64(d + OFF_CR), rd64(d + OFF_CR + 4 * 8));
	/* 64-bit mode ignores the CS, DS, ES and SS bases (SDM vol. 1, 3.4.2.1;
	 * FS and GS keep theirs). QEMU adds CS.base to RIP in every mode, so
	 * the engine holds 0 there; KVM_GET_SREGS still returns what was set
	 * (cpu.c keeps it). */
	if (c->env.hflags & HF_CS64)
		for (int i = SEG_CS; i <= SEG_SS; i++)
			if (i != SEG_FS && i != SEG_GS)
				c->env.seg[i].base = 0;
	for (int i = 0; i < 8; i++) {
		uint8_t *s = d + seg_off(i);
		wr32(s, c->env.seg[i].selector);
		wr64(s + 8, c->env.seg[i].base);
		wr32(s + 16, c->env.seg[i].limit);
		wr32(s + 20, c->env.seg[i].flags);
	}
	wr64(d + OFF_EFER, c->env.efer);
	wr32(d + OFF_HFLAGS, c->env.hflags);
	uc.context_restore(c->uc, c->ctx);
	c->env.valid = true;
}

/* CR2. Unicorn 2.1.1's register API writes UC_X86_REG_CR2 into CR3 as
 * well (measured: after reg_write(CR2, x) CR3 read back x), so CR2 goes
 * through the context. */
void env_set_cr2(struct cpu *c, uint64_t cr2)
{
	c->cr2 = cr2;
	uc.context_save(c->uc, c->ctx);
	wr64(data(c) + OFF_CR + 16, cr2);
	uc.context_restore(c->uc, c->ctx);
}

/* QEMU's HF2_NMI_MASK (hflags2 bit 2): NMIs blocked from an NMI's delivery
 * to the next IRET, which QEMU's IRET helpers end (helper_iret_real,
 * helper_iret_protected: hflags2 &= ~HF2_NMI_MASK). */
#define HF2_GIF_MASK 1u
#define HF2_NMI_MASK 4u

bool env_nmi_blocked(struct cpu *c)
{
	uc.context_save(c->uc, c->ctx);
	return rd32(data(c) + OFF_HFLAGS2) & HF2_NMI_MASK;
}

void env_set_nmi_blocked(struct cpu *c, bool on)
{
	uc.context_save(c->uc, c->ctx);
	uint32_t h2 = rd32(data(c) + OFF_HFLAGS2);
	wr32(data(c) + OFF_HFLAGS2, on ? h2 | HF2_NMI_MASK : h2 & ~HF2_NMI_MASK);
	uc.context_restore(c->uc, c->ctx);
}

/* kvm_segment <-> QEMU's SegmentCache flags (as QEMU's own target/i386/kvm.c
 * converts them). */
uint32_t env_flags_of(const struct kvm_segment *s)
{
	if (s->unusable)
		return 0;
	return (uint32_t)s->type << DESC_TYPE_SHIFT | (s->present ? DESC_P : 0) |
	       (uint32_t)(s->dpl & 3) << DESC_DPL_SHIFT | (s->db ? DESC_DB : 0) |
	       (s->s ? DESC_S : 0) | (s->l ? DESC_L : 0) | (s->g ? DESC_G : 0) |
	       (s->avl ? DESC_AVL : 0);
}

void env_seg_to_kvm(const struct segcache *q, struct kvm_segment *s)
{
	uint32_t f = q->flags;
	*s = (struct kvm_segment){
		.base = q->base, .limit = q->limit, .selector = (uint16_t)q->selector,
		.type = (f >> DESC_TYPE_SHIFT) & 15, .present = !!(f & DESC_P),
		.dpl = (f >> DESC_DPL_SHIFT) & 3, .db = !!(f & DESC_DB), .s = !!(f & DESC_S),
		.l = !!(f & DESC_L), .g = !!(f & DESC_G), .avl = !!(f & DESC_AVL),
		.unusable = !(f & DESC_P),
	};
}

/* QEMU's "exception in flight" (old_exception, after dr[8] and four
 * breakpoint pointers): check_exception turns a fault raised while it holds
 * a contributory one into #DF, and QEMU clears it only when it delivers the
 * event itself, which it never does here (event.c does). */
#define OLD_EXCEPTION (8 * 8 + 4 * 8)   /* bytes past dr[0] */

/* The exception the engine just raised: its error code, and whether it was
 * a software interrupt (int n, int3, into). QEMU keeps both in env
 * (error_code, exception_is_int), 16 and 12 bytes before dr[0]. Marks it
 * delivered (old_exception = -1), so that the guest's next fault isn't
 * taken for a fault during this one's delivery. */
void env_exception(struct cpu *c, uint32_t *err, bool *is_int)
{
	uc.context_save(c->uc, c->ctx_full);
	const uint8_t *d = (const uint8_t *)((struct uc_context_head *)c->ctx_full)->data;
	*err = rd32(d + c->off_dr - 16);
	*is_int = rd32(d + c->off_dr - 12) != 0;
	wr32((uint8_t *)d + c->off_dr + OLD_EXCEPTION, 0xffffffffu);
	uc.context_restore(c->uc, c->ctx_full);
}

/* QEMU's exception in flight (-1: none), cleared if asked (cpu.c). */
int env_old_exception(struct cpu *c, bool clear)
{
	uc.context_save(c->uc, c->ctx_full);
	uint8_t *d = (uint8_t *)((struct uc_context_head *)c->ctx_full)->data;
	int old = (int)rd32(d + c->off_dr + OLD_EXCEPTION);
	if (clear) {
		wr32(d + c->off_dr + OLD_EXCEPTION, 0xffffffffu);
		uc.context_restore(c->uc, c->ctx_full);
	}
	return old;
}

/* After each run of the engine. Unicorn ends every run by dropping the
 * translations that end at each exit (cpus.c resume_all_vcpus,
 * uc_exit_invalidate_iter: exit - 1 through get_page_addr_code, which walks
 * the guest's page tables). For an exit whose page the current tables don't
 * map (code of an earlier CR3, an identity map since dropped) that walk
 * raises a #PF inside QEMU that no hook sees: CR2 gets the address and
 * old_exception the fault, and a second one makes it #DF. KVM has neither:
 * the guest's own #PF then read a stale CR2 (Linux's early page-fault
 * handler refused it: "PANIC: early exception"), and its next fault became
 * #DF or a triple fault. So CR2 is the guest's (c->cr2: set only by a #PF
 * delivered, a MOV to CR2, KVM_SET_SREGS) and nothing is in flight. */
void env_after_run(struct cpu *c)
{
	uc.context_save(c->uc, c->ctx_full);
	uint8_t *d = (uint8_t *)((struct uc_context_head *)c->ctx_full)->data;
	if (rd32(d + c->off_dr + OLD_EXCEPTION) == 0xffffffffu && rd64(d + OFF_CR + 16) == c->cr2)
		return;
	wr32(d + c->off_dr + OLD_EXCEPTION, 0xffffffffu);
	wr64(d + OFF_CR + 16, c->cr2);
	uc.context_restore(c->uc, c->ctx_full);
}

/* Where dr[0] is: found by writing two markers into DR0/DR1. */
static int probe_dr(struct cpu *c)
{
	const uint64_t m0 = 0x5a17c0de0dd0a55aull, m1 = 0xa55a0dd0dec0175aull;
	reg_set(c, UC_X86_REG_DR0, m0);
	reg_set(c, UC_X86_REG_DR1, m1);
	uc.context_save(c->uc, c->ctx_full);
	struct uc_context_head *h = (struct uc_context_head *)c->ctx_full;
	const uint8_t *d = (const uint8_t *)h->data;
	c->off_dr = 0;
	for (size_t off = ENV_BYTES; off + 16 <= h->context_size; off += 8)
		if (rd64(d + off) == m0 && rd64(d + off + 8) == m1) {
			c->off_dr = off;
			break;
		}
	reg_set(c, UC_X86_REG_DR0, 0);
	reg_set(c, UC_X86_REG_DR1, 0);
	/* old_exception: QEMU's reset leaves it -1 (no exception in flight). */
	if (!c->off_dr || rd32(d + c->off_dr + OLD_EXCEPTION) != 0xffffffffu)
		return -1;
	return 0;
}

/* QEMU's lazy flags as the engine left them: the last flag-setting
 * operation's result and sources (which ones: mmio.c flags_fix). */
void env_cc(struct cpu *c, uint64_t cc[3])
{
	uc.context_save(c->uc, c->ctx);
	for (int i = 0; i < 3; i++)
		cc[i] = rd64(data(c) + OFF_CC_DST + 8 * i);
}

/* RFLAGS but the arithmetic flags, inside the engine's run (a hook): env's
 * eflags holds them there (x86_cpu_exec_enter took CF..OF out; when the
 * run ends they are computed back in, from a cc_op that may be stale: see
 * mmio.c flags_fix), DF is df. */
uint64_t env_sysflags(struct cpu *c)
{
	uc.context_save(c->uc, c->ctx);
	return (rd64(data(c) + OFF_EIP + 8) & 0x3f7300) | (rd32(data(c) + OFF_DF) & RFL_DF) |
	       RFL_FIXED;
}

/* Checks the layout against values set through the public API; shrinks the
 * context to ENV_BYTES. 0, or -1 with a diagnostic. */
int env_probe(struct cpu *c)
{
	if (uc.context_alloc(c->uc, &c->ctx) != UC_ERR_OK ||
	    uc.context_alloc(c->uc, &c->ctx_full) != UC_ERR_OK)
		return -1;
	struct uc_context_head *h = (struct uc_context_head *)c->ctx;
	if (h->context_size < ENV_BYTES || h->context_size > (1u << 20) || probe_dr(c) < 0)
		goto bad;
	h->context_size = ENV_BYTES;
	/* The full one only through old_exception (env_after_run: each run). */
	((struct uc_context_head *)c->ctx_full)->context_size = c->off_dr + OLD_EXCEPTION + 8;
	uc_x86_mmr gdt = { .base = 0x12345678, .limit = 0xabcd };
	uc_x86_mmr idt = { .base = 0x9abcdef0, .limit = 0x1357 };
	uc.reg_write(c->uc, UC_X86_REG_GDTR, &gdt);
	uc.reg_write(c->uc, UC_X86_REG_IDTR, &idt);
	reg_set(c, UC_X86_REG_RIP, 0x1122334455667788ull);
	reg_set(c, UC_X86_REG_CR3, 0x5000);
	uc_x86_msr efer = { .rid = 0xc0000080, .value = 0x101 };  /* SCE, LME; LMA is kept */
	uc.reg_write(c->uc, UC_X86_REG_MSR, &efer);
	reg_set(c, UC_X86_REG_RFLAGS, 0xcd7);  /* cpu_load_eflags: CC_SRC = CF..OF, CC_OP_EFLAGS, df -1 */
	uc.context_save(c->uc, c->ctx);
	const uint8_t *d = data(c);
	if (rd64(d + OFF_CC_SRC) != 0x8d5 || rd32(d + OFF_CC_OP) != 1 ||
	    rd32(d + OFF_DF) != ~0u)
		goto bad;
	reg_set(c, UC_X86_REG_RFLAGS, RFL_FIXED);
	if (rd64(d + OFF_EIP) != 0x1122334455667788ull || rd64(d + OFF_GDT + 8) != 0x12345678 ||
	    rd32(d + OFF_GDT + 16) != 0xabcd || rd64(d + OFF_IDT + 8) != 0x9abcdef0 ||
	    rd32(d + OFF_IDT + 16) != 0x1357 || rd64(d + OFF_CR + 24) != 0x5000 ||
	    (rd64(d + OFF_EFER) & 0x501) != 0x501 ||
	    (rd32(d + OFF_HFLAGS) & (HF_PE | HF_LMA | HF_CS64)) != (HF_PE | HF_LMA | HF_CS64) ||
	    /* x86_cpu_reset sets GIF, and no NMI is blocked yet */
	    (rd32(d + OFF_HFLAGS2) & (HF2_GIF_MASK | HF2_NMI_MASK)) != HF2_GIF_MASK)
		goto bad;
	return 0;
bad:
	kvmemu_diag("this libunicorn's CPU state layout is not Unicorn 2.1's: "
		    "segment state can't be set (use scripts/fetch-unicorn's 2.1.1)");
	return -1;
}
