/*
 * mmio.c - the accesses KVM hands to user space: guest-physical memory no
 * slot covers (MMIO), and writes to a KVM_MEM_READONLY slot.
 *
 * KVM's emulator (arch/x86/kvm/x86.c) takes the instruction's memory operand
 * [ea, ea+len), splits it at the page boundary (emulator_read_write) and
 * makes each page's part plain memory or one MMIO fragment
 * (emulator_read_write_onepage: a page with no slot, or a write to a
 * read-only one). A fragment goes to user space in exits of at most 8 bytes
 * (complete_emulated_mmio):
 *   - a read exits with RIP on the instruction, once per piece; when every
 *     piece is in, the instruction runs with them;
 *   - a write runs the instruction, then exits with RIP past it;
 *   - a read-modify-write makes the read exits, then the write ones.
 * Here the engine faults at the first access it can't make
 * (mmio_unmapped_hook), the instruction not executed, and insn.c decodes
 * the operand, from which the parts are computed as KVM does. The
 * instruction then runs once ("the step") with its MMIO pages mapped as
 * Unicorn MMIO answering from the parts' bytes, however QEMU splits the
 * access (aligned chunks, halves, single bytes), and its read-only slots
 * writable, the bytes written taken and put back. What can't be done that
 * way stops with a diagnostic and KVM_EXIT_INTERNAL_ERROR.
 */
#include "kvmemu.h"

#include <string.h>

static uint32_t min8(uint32_t n)
{
	return n < 8 ? n : 8;
}

/* Stops the instruction with an internal error (at the end of the step). */
static void unhandled(struct cpu *c, const char *what, uint64_t gpa, uint32_t len)
{
	if (!c->mmio_unhandled)
		kvmemu_diag("%s at 0x%llx (len %u) in the instruction at 0x%llx is not emulated: "
			    "KVM_EXIT_INTERNAL_ERROR", what, (unsigned long long)gpa, len,
			    (unsigned long long)c->mmio_lip);
	c->mmio_unhandled = true;
}

/* The engine's access to a page with no slot, or its write to a read-only
 * slot: returning false aborts the instruction (EIP on it: precise_pc_hook
 * in cpu.c). QEMU may report more pieces of the same instruction; the
 * first one tells which instruction it is. */
bool mmio_unmapped_hook(uc_engine *u, uc_mem_type type, uint64_t addr, int size,
			int64_t value, void *opaque)
{
	(void)value;
	struct vcpu *v = opaque;
	struct cpu *c = &v->cpu;
	if (c->mmio_step) {           /* outside the operand the step serves */
		unhandled(c, "an access", addr, (uint32_t)size);
		c->stop = S_STEPPED;
		uc.emu_stop(u);
		return false;
	}
	if (c->stop == S_MMIO)
		return false;
	c->mmio_fault_gpa = addr;
	c->mmio_fault_len = (uint32_t)size;
	c->mmio_fault_write = type != UC_MEM_READ_UNMAPPED;
	c->mmio_sysflags = env_sysflags(c);
	c->stop = S_MMIO;
	return false;
}

/* ---- the access, as KVM splits it ---- */

static void add_part(struct vcpu *v, uint64_t gpa, uint32_t len, bool rd, bool wr)
{
	struct cpu *c = &v->cpu;
	struct mmio_part *p = &c->mmio_part[c->mmio_nparts++];
	memset(p, 0, sizeof *p);
	p->gpa = gpa;
	p->len = len;
	p->rd = rd;
	p->wr = wr;
	p->kind = !gpa_ptr(v->vm, gpa, len) ? MP_MMIO : gpa_writable(v->vm, gpa, len) ? MP_RAM : MP_ROM;
	for (int i = 0; i < KVMEMU_MAX_SLOTS && p->kind == MP_ROM && !p->slot; i++) {
		struct slot *s = &v->vm->slots[i];
		if (s->used && gpa >= s->gpa && gpa + len <= s->gpa + s->size)
			p->slot = s;
	}
}

static bool fault_in(const struct cpu *c, const struct mmio_part *p)
{
	return p->kind != MP_RAM && c->mmio_fault_gpa >= p->gpa &&
	       c->mmio_fault_gpa < p->gpa + p->len;
}

/* The operand page by page (emulator_read_write), each part RAM, a
 * read-only slot's or MMIO (emulator_read_write_onepage). 1: done; 0: the
 * operand doesn't hold the faulting address; -1: a page not translated. */
static int split_operand(struct vcpu *v, const struct mem_operand *m)
{
	struct cpu *c = &v->cpu;
	uint64_t ea = m->ea, gpa;
	uint32_t left = m->len;
	bool covered = false;
	c->mmio_nparts = 0;
	c->mmio_ea = ea;
	while (left && c->mmio_nparts < 2 && mmu_translate(v, ea, &gpa)) {
		uint32_t n = PAGE_SZ - (uint32_t)(ea & (PAGE_SZ - 1));
		n = n < left ? n : left;
		add_part(v, gpa, n, !c->mmio_fault_write, true);
		covered = covered || fault_in(c, &c->mmio_part[c->mmio_nparts - 1]);
		ea += n;
		left -= n;
	}
	if (left || !covered)
		c->mmio_nparts = 0;
	return left ? -1 : covered;
}

/* A string instruction's element: its source (DS:rSI) and destination
 * (ES:rDI), each one part a page. KVM's emulator does one element a time,
 * each access as another instruction's (x86_emulate_insn,
 * string_insn_completed: RIP stays on the instruction until rCX is 0),
 * split at the page boundary as any (emulator_read_write): an exit per MMIO
 * fragment, two at most per operand. -1: a page not translated. */
static int split_string(struct vcpu *v, const struct mem_operand *m)
{
	struct cpu *c = &v->cpu;
	uint8_t k = m->op & 0xfe;       /* a4 movs, a6 cmps, aa stos, ac lods, ae scas */
	bool covered = false;
	c->mmio_nparts = 0;
	for (int j = 0; j < 2; j++) {
		uint64_t ea = j ? m->ea2 : m->ea, gpa;
		uint32_t left = m->len;
		if (!(j ? m->dst : m->src))
			continue;
		while (left) {
			uint32_t n = PAGE_SZ - (uint32_t)(ea & (PAGE_SZ - 1));
			n = n < left ? n : left;
			if (!mmu_translate(v, ea, &gpa))
				return -1;
			add_part(v, gpa, n, !j || k == 0xa6 || k == 0xae,
				 j && (k == 0xa4 || k == 0xaa));
			covered = covered || fault_in(c, &c->mmio_part[c->mmio_nparts - 1]);
			ea += n;
			left -= n;
		}
	}
	if (!covered)
		c->mmio_nparts = 0;
	return covered;
}

/* Whether the instruction reads and writes its memory operand (SDM vol. 2,
 * appendix A): the ALU ops to r/m but CMP, group 1 but CMP, NOT, NEG,
 * INC, DEC, shifts and rotates, BTS/BTR/BTC, XADD, CMPXCHG. */
static bool rmw_dest(const struct mem_operand *m)
{
	uint8_t op = m->op;
	if (m->map == 0)
		return (op < 0x40 && (op & 7) < 2 && (op >> 3) != 7) ||
		       (op >= 0x80 && op <= 0x83 && m->reg != 7) ||
		       ((op == 0xf6 || op == 0xf7) && (m->reg == 2 || m->reg == 3)) ||
		       ((op == 0xfe || op == 0xff) && m->reg < 2) ||
		       ((op == 0xc0 || op == 0xc1 || (op >= 0xd0 && op <= 0xd3)) && m->reg != 6);
	return m->map == 1 && (op == 0xab || op == 0xb3 || op == 0xbb ||
			       (op == 0xba && m->reg >= 5) || op == 0xc0 || op == 0xc1 ||
			       op == 0xb0 || op == 0xb1);
}

/* The operand reaches a page that isn't mapped (split_operand or
 * split_string gave -1). KVM's emulator translates each page of an access
 * before it makes any exit (emulator_read_write -> vcpu_mmio_gva_to_gpa,
 * FNAME(walk_addr_generic)) and injects the #PF: no MMIO exit for the page
 * that is there. The engine, whose read faulted on that page, never got to
 * the other. MOVS reads its source first. A read-modify-write reads
 * first, and a #PF there gets W (x86_emulate_insn: "error_code |=
 * PFERR_WRITE_MASK" unless the instruction is NoWrite, as CMP and TEST).
 * true: the #PF is in *pf. */
static bool operand_pf(struct vcpu *v, const struct mem_operand *m, struct event *pf)
{
	struct cpu *c = &v->cpu;
	uint32_t err = 0;
	uint64_t cr2 = 0;
	uint8_t k = m->op & 0xfe;       /* a4 movs, aa stos */
	bool x;
	if (m->string)
		x = (m->src && mmu_data(v, m->ea, m->len, false, &err, &cr2) == XLAT_PF) ||
		    (m->dst && mmu_data(v, m->ea2, m->len, k == 0xa4 || k == 0xaa, &err,
					&cr2) == XLAT_PF);
	else
		x = mmu_data(v, m->ea, m->len, c->mmio_fault_write, &err, &cr2) == XLAT_PF;
	if (x && !m->string && rmw_dest(m))
		err |= PFERR_W;
	if (x) {
		*pf = event_exception(X86_PF, err);
		pf->cr2 = cr2;
	}
	return x;
}

/* The access, from the decoded operand (insn.c: every mode, the common
 * instructions). Unicorn keeps EIP exact at general loads and stores but
 * not at SSE ones (it syncs EIP before gen_op_ld_v/gen_op_st_v only): RIP
 * may still be on an earlier instruction of the block, whose effects are
 * done; the instructions are walked to the one whose operand holds the
 * faulting address, and RIP put on it. Where none is found (an instruction
 * with two memory operands, one not decoded), the engine's piece is the
 * access: exact for the aligned accesses of 1 to 8 bytes such code makes.
 * 0: not emulated; -1: the operand's other page faults (*pf, RIP on it). */
static int split_access(struct vcpu *v, struct event *pf)
{
	struct cpu *c = &v->cpu;
	struct mem_operand m;
	uint64_t lip = c->mmio_lip;
	bool fault = false;
	c->mmio_decoded = c->mmio_string = false;
	for (int k = 0; k < 64 && !c->mmio_decoded; k++) {
		bool ok = insn_mem_operand(v, lip, &m);
		int r = ok && m.string ? split_string(v, &m) :
			ok && !m.stack && m.len ? split_operand(v, &m) : 0;
		if (r > 0) {
			c->mmio_decoded = true;
			c->mmio_string = m.string;
			c->mmio_insn_len = m.insn_len;
		}
		else if (r < 0 || !m.insn_len || (ok && !m.stack && !m.len)) {
			fault = r < 0 && operand_pf(v, &m, pf);
			break;        /* not known: an operand of unknown size, a length */
		}
		else
			lip += m.insn_len;    /* it ran: no operand, or one in RAM */
	}
	if ((c->mmio_decoded || fault) && lip != c->mmio_lip) {
		c->mmio_lip = lip;
		cpu_set_lip(c, lip);
	}
	if (fault)
		return -1;
	if (!c->mmio_decoded) {
		c->mmio_nparts = 0;
		add_part(v, c->mmio_fault_gpa, c->mmio_fault_len, !c->mmio_fault_write, true);
	}
	for (uint32_t i = 0; i < c->mmio_nparts; i++) {
		struct mmio_part *p = &c->mmio_part[i];
		if (p->kind != MP_RAM && p->len > sizeof p->data) {
			unhandled(c, "an MMIO access of more than 16 bytes", p->gpa, p->len);
			return 0;
		}
		if (p->kind == MP_ROM && !p->slot) {
			unhandled(c, "an access across read-only slots", p->gpa, p->len);
			return 0;
		}
	}
	bool faulted = false;
	for (uint32_t i = 0; i < c->mmio_nparts; i++)
		faulted = faulted || fault_in(c, &c->mmio_part[i]);
	if (!faulted) {
		unhandled(c, "an access to memory that faulted", c->mmio_fault_gpa, c->mmio_fault_len);
		return 0;
	}
	return 1;
}

/* ---- the flags before it (D4: Unicorn 2.1.1) ----
 * QEMU computes the arithmetic flags lazily: a flag-setting instruction
 * leaves its result and source in cc_dst and cc_src, and the operation
 * (cc_op) stays in the translator until something needs it in memory.
 * When an access aborts, QEMU recovers cc_op from the block's records
 * (cpu_restore_state); Unicorn 2.1.1 calls its unmapped-memory hooks and
 * abandons the instruction without that (2.1.4 restores first: upstream
 * commits 4a13bc7c, b999f507), so the engine's cc_op is that of an older
 * instruction and RFLAGS read wrong. Only an instruction inside a block,
 * after a flag-setting one, without a code hook (before a hooked one
 * Unicorn stores cc_op) and at its first access: afterwards it has one
 * (step_begin). The block's instructions before it are decoded; the last
 * one that sets flags, when QEMU derives them from cc_dst, cc_src and
 * cc_src2 alone (ADD, ADC, SUB, SBB, CMP, NEG, AND, OR, XOR (and XOR r,r:
 * QEMU's CC_OP_CLR), TEST, INC, DEC, shifts and rotates by an immediate,
 * MUL, IMUL, BT*, BSF, BSR, CMPXCHG, XADD), gives CF..OF; the other bits
 * are taken in the hook, before the engine computes RFLAGS from the stale
 * cc_op (whose CC_OP_EFLAGS makes any bit of CC_SRC a flag). Written back,
 * they make
 * cc_op CC_OP_EFLAGS. Any other (ADCX, POPCNT, ...) leaves the engine's
 * view: README "Known differences". */

enum cc_kind { CC_NONE, CC_ADD, CC_ADC, CC_SUB, CC_SBB, CC_LOGIC, CC_CLR, CC_INC, CC_DEC,
	       CC_SHL, CC_SAR, CC_MUL, CC_ADCOX, CC_EFLAGS, CC_BT, CC_SYNCED, CC_OTHER };

#define RFL_ARITH 0x8d5ull          /* CF PF AF ZF SF OF */

/* A shift's or rotate's count (C0, C1: imm8; D0, D1: 1; D2, D3: CL, known
 * only when it runs: QEMU then stores cc_op itself). QEMU's translate.c:
 * RCL/RCR compute EFLAGS into CC_SRC first, whatever the count
 * (gen_rotc_rm_T1); ROL/ROR by a non-zero constant leave CC_OP_ADCOX, C in
 * CC_DST and O in CC_SRC2 (gen_rot_rm_im). */
static enum cc_kind shift_kind(struct vcpu *v, uint64_t lip, const struct mem_operand *m)
{
	uint8_t n = 1;
	if (m->reg == 6)
		return CC_OTHER;      /* the undocumented /6 */
	if (m->reg == 2 || m->reg == 3)
		return CC_EFLAGS;
	if (m->op == 0xd2 || m->op == 0xd3)
		return CC_SYNCED;
	if ((m->op == 0xc0 || m->op == 0xc1) && !lin_read(v, lip + m->insn_len - 1, &n, 1))
		return CC_OTHER;
	if (!(n & (m->osize == 8 ? 0x3f : 0x1f)))
		return CC_NONE;       /* a count of 0 changes nothing */
	if (m->reg < 2)
		return CC_ADCOX;
	return m->reg == 4 ? CC_SHL : CC_SAR;   /* QEMU's SHR is its SAR's flags */
}

/* What an instruction does to the flags (SDM vol. 2, appendix A's maps). */
static enum cc_kind cc_kind_of(struct vcpu *v, uint64_t lip, const struct mem_operand *m)
{
	static const enum cc_kind alu[8] = { CC_ADD, CC_LOGIC, CC_ADC, CC_SBB,
					     CC_LOGIC, CC_SUB, CC_LOGIC, CC_SUB };
	uint8_t op = m->op;
	if (m->map == 0) {
		if (op >= 0x30 && op <= 0x33 && (m->modrm >> 6) == 3 &&
		    ((m->modrm >> 3 & 7) | (m->rex & 4 ? 8 : 0)) == ((m->modrm & 7) | (m->rex & 1 ? 8 : 0)))
			return CC_CLR;        /* xor r, r: QEMU's CC_OP_CLR, ZF and PF */
		if (op < 0x40 && (op & 7) < 6)
			return alu[op >> 3];
		if (op >= 0x80 && op <= 0x83)
			return alu[m->reg];
		if (op >= 0x40 && op <= 0x4f)    /* inc, dec r (not 64-bit mode: REX) */
			return op < 0x48 ? CC_INC : CC_DEC;
		if (op == 0x84 || op == 0x85 || op == 0xa8 || op == 0xa9)
			return CC_LOGIC;
		if (op == 0xc0 || op == 0xc1 || (op >= 0xd0 && op <= 0xd3))
			return shift_kind(v, lip, m);
		if (op == 0xf6 || op == 0xf7)    /* test, not, neg, mul, imul; div: none */
			return m->reg < 2 ? CC_LOGIC : m->reg == 2 ? CC_NONE :
			       m->reg == 3 ? CC_SUB : m->reg < 6 ? CC_MUL : CC_NONE;
		if (op == 0x69 || op == 0x6b)    /* imul r, r/m, imm */
			return CC_MUL;
		if (op == 0xfe || op == 0xff)    /* inc, dec, push */
			return m->reg == 0 ? CC_INC : m->reg == 1 ? CC_DEC :
			       m->reg == 6 && op == 0xff ? CC_NONE : CC_OTHER;
		if ((op >= 0x50 && op <= 0x5f) || op == 0x63 || op == 0x68 || op == 0x6a ||
		    (op >= 0x86 && op <= 0x8b) || op == 0x8d || op == 0x8f ||
		    (op >= 0x90 && op <= 0x99) || op == 0x9c || (op >= 0xa0 && op <= 0xa5) ||
		    op == 0xaa || op == 0xab || op == 0xac || op == 0xad ||
		    (op >= 0xb0 && op <= 0xbf) || op == 0xc6 || op == 0xc7)
			return CC_NONE;       /* push, pop, mov, lea, xchg, cbw, pushf */
	} else if (m->map == 1) {
		if ((op >= 0x40 && op <= 0x4f) || (op >= 0x90 && op <= 0x9f) || op == 0xb6 ||
		    op == 0xb7 || op == 0xbe || op == 0xbf || op == 0x1f || op == 0x10 ||
		    op == 0x11 || op == 0x28 || op == 0x29 || op == 0x2b || op == 0x6e ||
		    op == 0x6f || op == 0x7e || op == 0x7f || op == 0xd6 || op == 0xe7 || op == 0xc3)
			return CC_NONE;       /* cmov, setcc, movzx/movsx, nop, SSE moves */
		if (op == 0xaf)
			return CC_MUL;        /* imul r, r/m */
		if (op == 0xb0 || op == 0xb1)
			return CC_SUB;        /* cmpxchg: CC_SRC the old value, as CMP */
		if (op == 0xc0 || op == 0xc1)
			return CC_ADD;        /* xadd */
		if (op == 0xbc || op == 0xbd)
			return CC_LOGIC;      /* bsf, bsr: CC_DST the source (qemu64: no TZCNT) */
		if (op == 0xa3 || op == 0xab || op == 0xb3 || op == 0xbb ||
		    (op == 0xba && m->reg >= 4))
			return CC_BT;
		if (op == 0xc7 && m->reg == 1)
			return CC_EFLAGS;     /* cmpxchg8b/16b: its helper writes CC_SRC */
	}
	return CC_OTHER;
}

/* QEMU's compute_all for the kind (cc_helper_template.h): cc[0] (CC_DST)
 * is the result, cc[1] (CC_SRC) the second source (ADD, ADC, SUB, SBB),
 * the carry in (INC, DEC) or the value shifted one place less (shifts),
 * cc[2] (CC_SRC2) ADC's and SBB's carry in. */
static uint64_t cc_compute(enum cc_kind k, uint32_t size, const uint64_t cc[3])
{
	uint64_t mask = size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
	uint64_t sign = 1ull << (size * 8 - 1), dst = cc[0] & mask, src1 = 0, src2 = 0;
	uint64_t c3 = cc[2] & mask;
	bool cf = false, of = false, af = true;
	if (k == CC_ADD || k == CC_ADC) {
		src2 = cc[1] & mask;
		src1 = (dst - src2 - (k == CC_ADC ? c3 : 0)) & mask;
		cf = k == CC_ADC && c3 ? dst <= src1 : dst < src1;
		of = (~(src1 ^ src2) & (src1 ^ dst) & sign) != 0;
	} else if (k == CC_SUB || k == CC_SBB) {
		src2 = cc[1] & mask;
		src1 = (dst + src2 + (k == CC_SBB ? c3 : 0)) & mask;
		cf = k == CC_SBB && c3 ? src1 <= src2 : src1 < src2;
		of = ((src1 ^ src2) & (src1 ^ dst) & sign) != 0;
	} else if (k == CC_INC || k == CC_DEC) {
		cf = cc[1] & 1;
		src2 = 1;
		src1 = (k == CC_INC ? dst - 1 : dst + 1) & mask;
		of = dst == (k == CC_INC ? sign : sign - 1);
	} else if (k == CC_MUL) {     /* compute_all_mul: C = O = (CC_SRC != 0) */
		cf = of = cc[1] != 0;
		af = false;
	} else if (k == CC_SHL || k == CC_SAR) {
		src1 = cc[1] & mask;
		cf = k == CC_SHL ? (src1 & sign) != 0 : src1 & 1;
		of = ((src1 ^ dst) & sign) != 0;
		af = false;
	} else {
		af = false;           /* logic */
	}
	if (k == CC_CLR)
		return 0x44;
	if (k == CC_EFLAGS)
		return cc[1] & RFL_ARITH;
	if (k == CC_ADCOX)            /* compute_all_adcox */
		return (cc[1] & RFL_ARITH & ~(RFL_CF | 1ull << 11)) | (cc[0] & 1 ? RFL_CF : 0) |
		       (cc[2] & 1 ? 1ull << 11 : 0);
	return (cf ? RFL_CF : 0) | (__builtin_parityll(dst & 0xff) ? 0 : 1u << 2) |
	       (af ? (dst ^ src1 ^ src2) & 0x10 : 0) | (dst == 0 ? 1u << 6 : 0) |
	       (dst & sign ? 1u << 7 : 0) | (of ? 1u << 11 : 0);
}

/* RFLAGS as the instructions from the block's start to the MMIO one left
 * them, where the engine lost them (above). */
static void flags_fix(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	uint64_t lip = c->tb_lip, at = c->mmio_lip;
	struct mem_operand m;
	enum cc_kind k = CC_NONE;
	uint32_t size = 0;
	if (lip >= at || at - lip > PAGE_SZ || cpu_covered(c, at))
		return;
	while (lip < at) {
		insn_mem_operand(v, lip, &m);
		if (!m.insn_len)
			return;           /* not decoded: the engine's view */
		enum cc_kind mk = cc_kind_of(v, lip, &m);
		if (mk == CC_BT) {
			/* bt_op: after an operation whose Z comes from CC_DST, CC_OP_SAR
			 * of that size (CC_SRC the bit shifted down); else EFLAGS with
			 * C replaced. */
			k = k >= CC_ADD && k <= CC_MUL && k != CC_CLR ? CC_SAR : CC_EFLAGS;
		} else if (mk != CC_NONE) {
			k = mk == CC_SYNCED ? CC_NONE : mk;
			size = m.osize;
		}
		lip += m.insn_len;
	}
	if (lip != at || k == CC_NONE || k == CC_OTHER)
		return;
	uint64_t cc[3];
	env_cc(c, cc);
	reg_set(c, UC_X86_REG_RFLAGS, c->mmio_sysflags | cc_compute(k, size, cc));
}

/* ---- the exits: one per piece of at most 8 bytes (complete_emulated_mmio) ---- */

/* A read exits for MMIO parts (a read-only slot reads as memory), a write
 * for read-only ones too. */
static bool exits_for(const struct cpu *c, const struct mmio_part *p)
{
	return c->mmio_exit_write ? p->wr && p->kind != MP_RAM : p->rd && p->kind == MP_MMIO;
}

/* Fills run for the piece at (mmio_cur, mmio_off), or the next part's
 * first one. false: none left. */
static bool make_exit(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	for (; c->mmio_cur < c->mmio_nparts; c->mmio_cur++, c->mmio_off = 0) {
		struct mmio_part *p = &c->mmio_part[c->mmio_cur];
		if (!exits_for(c, p) || c->mmio_off >= p->len)
			continue;
		struct kvm_run *run = v->run;
		uint32_t len = min8(p->len - c->mmio_off);
		run->exit_reason = KVM_EXIT_MMIO;
		run->mmio.phys_addr = p->gpa + c->mmio_off;
		run->mmio.len = len;
		run->mmio.is_write = c->mmio_exit_write;
		memset(run->mmio.data, 0, sizeof run->mmio.data);
		if (c->mmio_exit_write)
			memcpy(run->mmio.data, p->data + c->mmio_off, len);
		return true;
	}
	return false;
}

/* A read's piece, in run->mmio.data, into its part's bytes. */
static void read_piece_in(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	struct mmio_part *p = &c->mmio_part[c->mmio_cur];
	memcpy(p->data + c->mmio_off, v->run->mmio.data, min8(p->len - c->mmio_off));
}

/* The next exit to user space; a piece the in-kernel devices take (the
 * IOAPIC, an ioeventfd: irq.c irq_mmio) makes none, a read's value then
 * taken as user space's would be. false: the direction is done. */
static bool next_exit(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	while (make_exit(v)) {
		if (!irq_mmio(v)) {
			v->pending = P_MMIO;
			return true;
		}
		if (!c->mmio_exit_write)
			read_piece_in(v);
		c->mmio_off += 8;
	}
	return false;
}

/* ---- the step: the instruction runs once with its MMIO served here ---- */

/* The MMIO part holding gpa that the instruction reads (write false) or
 * writes, or NULL. */
static struct mmio_part *part_at(struct cpu *c, uint64_t gpa, bool write)
{
	for (uint32_t i = 0; i < c->mmio_nparts; i++) {
		struct mmio_part *p = &c->mmio_part[i];
		if (p->kind == MP_MMIO && (write ? p->wr : p->rd) && gpa >= p->gpa &&
		    gpa < p->gpa + p->len)
			return p;
	}
	return NULL;
}

/* A piece QEMU reads: the operand's bytes from user space's data. QEMU
 * reads an unaligned access as aligned chunks (in pieces of at most 4
 * bytes) and keeps the operand's bytes: the others read as 0. Without a
 * decoded operand, a piece beyond the engine's own is a read no exit was
 * made for. */
static uint64_t step_read(uc_engine *u, uint64_t offset, unsigned size, void *opaque)
{
	(void)u;
	struct mmio_page *m = opaque;
	struct cpu *c = &m->v->cpu;
	uint64_t addr = m->page + offset, val = 0;
	bool ours = false;
	for (unsigned i = 0; i < size && i < sizeof val; i++) {
		struct mmio_part *p = part_at(c, addr + i, false);
		if (p) {
			((uint8_t *)&val)[i] = p->data[addr + i - p->gpa];
			ours = true;
		}
	}
	if (!ours && c->mmio_decoded) {
		for (uint32_t i = 0; i < c->mmio_nparts && !ours; i++) {
			struct mmio_part *p = &c->mmio_part[i];
			ours = p->kind == MP_MMIO && p->rd && addr >= (p->gpa & ~15ull) &&
			       addr + size <= ((p->gpa + p->len + 15) & ~15ull);
		}
	}
	if (!ours)                    /* no read exit was made for it */
		unhandled(c, "an MMIO read", addr, size);
	return val;
}

/* A piece QEMU writes (its stores are exact: an unaligned one byte by
 * byte): into the part's data. */
static void step_write(uc_engine *u, uint64_t offset, unsigned size, uint64_t value, void *opaque)
{
	(void)u;
	struct mmio_page *m = opaque;
	struct cpu *c = &m->v->cpu;
	uint64_t addr = m->page + offset;
	for (unsigned i = 0; i < size && i < sizeof value; i++) {
		struct mmio_part *p = part_at(c, addr + i, true);
		if (!p) {
			unhandled(c, "an MMIO write", addr, size);
			return;
		}
		p->data[addr + i - p->gpa] = ((uint8_t *)&value)[i];
		p->written |= (uint16_t)(1u << (addr + i - p->gpa));
	}
}

static void step_undo(struct vcpu *v);

/* Whether gpa's page is one step_begin mapped already. */
static bool step_mapped(const struct cpu *c, uint64_t gpa)
{
	for (uint32_t i = 0; i < c->mmio_nmap; i++)
		if (c->mmio_map[i].page == (gpa & ~(uint64_t)(PAGE_SZ - 1)))
			return true;
	return false;
}

/* ---- the Dirty bit of a read-modify-write on MMIO (D23) ----
 * The engine's read faulted: KVM's NPF came at the read, its walk set only
 * Accessed bits (QEMU 7.2's mmu_translate sets D for MMU_DATA_STORE only,
 * before the final nested translation). KVM's emulator then carries out
 * the whole instruction with the GPA the NPF gave (x86.c
 * x86_emulate_instruction: gpa_available for a direct MMU, kept until the
 * MMIO completes since init_emulate_ctxt runs only when decoding;
 * emulator_read_write_onepage uses it and walks nothing), so the write sets
 * no D bit. The step's store does walk (the engine's) and sets it: the
 * entry is noted before the step and its D bit cleared again after.
 * Only a one-part non-string operand: a REP string instruction, or a part
 * in another page, goes through KVM's software walk (vcpu_mmio_gva_to_gpa
 * -> paging_tmpl.h update_accessed_dirty_bits), which sets D. */
static void leaf_note(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	uint64_t e = 0;
	c->mmio_leaf_size = 0;
	if (c->mmio_fault_write || !c->mmio_decoded || c->mmio_string || c->mmio_nparts != 1 ||
	    c->mmio_part[0].kind != MP_MMIO ||
	    !mmu_leaf(v, c->mmio_ea, &c->mmio_leaf, &c->mmio_leaf_size)) {
		c->mmio_leaf_size = 0;
		return;
	}
	uint8_t *p = gpa_ptr(v->vm, c->mmio_leaf, (uint64_t)c->mmio_leaf_size);
	if (p)
		memcpy(&e, p, (size_t)c->mmio_leaf_size);
	if (!p || (e & PTE_D))
		c->mmio_leaf_size = 0;
}

/* After the step: the D bit the step's store set goes. */
static void leaf_restore(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	size_t n = (size_t)c->mmio_leaf_size;
	uint8_t *p = n ? gpa_ptr(v->vm, c->mmio_leaf, n) : NULL;
	uint64_t e = 0;
	c->mmio_leaf_size = 0;
	if (!p || !c->mmio_part[0].written)
		return;
	memcpy(&e, p, n);
	e &= ~PTE_D;
	memcpy(p, &e, n);
}

/* Maps the MMIO parts' pages, makes the read-only slots writable, and
 * hooks the instruction: cpu.c's code hook stops the run after it. */
static int step_begin(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	c->mmio_step = true;
	c->mmio_done = false;
	c->mmio_rsi = reg_get(c, UC_X86_REG_RSI);
	c->mmio_rdi = reg_get(c, UC_X86_REG_RDI);
	c->mmio_nmap = 0;
	leaf_note(v);
	for (uint32_t i = 0; i < c->mmio_nparts; i++) {
		struct mmio_part *p = &c->mmio_part[i];
		p->written = 0;
		if (p->kind == MP_ROM)
			memcpy(p->saved, gpa_ptr(v->vm, p->gpa, p->len), p->len);
	}
	for (uint32_t i = 0; i < c->mmio_nparts; i++) {
		struct mmio_part *p = &c->mmio_part[i];
		uc_err e = UC_ERR_OK;
		if (p->kind == MP_ROM) {
			e = uc.mem_protect(c->uc, p->slot->gpa, p->slot->size, UC_PROT_ALL);
		} else if (p->kind == MP_MMIO && !step_mapped(c, p->gpa)) {
			struct mmio_page *m = &c->mmio_map[c->mmio_nmap];
			m->v = v;
			m->page = p->gpa & ~(uint64_t)(PAGE_SZ - 1);
			e = uc.mmio_map(c->uc, m->page, PAGE_SZ, step_read, m, step_write, m);
			if (!e)
				c->mmio_nmap++;
		}
		if (e) {
			kvmemu_diag("completing MMIO at 0x%llx: %s", (unsigned long long)p->gpa,
				    uc.strerror(e));
			step_undo(v);
			cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
			return 1;
		}
	}
	/* The engine's TLB holds the pages as they were (with paging: by
	 * virtual address): drop it, or the access faults again. */
	uc.ctl(c->uc, UC_CTL_WRITE(UC_CTL_TLB_FLUSH, 0));
	/* Instruction hooks on this instruction and the next one: their first
	 * bytes when the length is known, else 32 bytes (x86 instructions are
	 * at most 15). Only those: with hooks on the instructions after them
	 * Unicorn 2.1.1 was seen to compute their flags wrong (fuzz seed 658:
	 * `not r8w; cmovno edi, r14d; inc r8` hooked, `setz; cmovl` not,
	 * RFLAGS 0x56 after the inc where the CPU gives 0x6). */
	uint64_t lip = c->mmio_lip;
	uint64_t last = c->mmio_decoded && c->mmio_insn_len ? lip + c->mmio_insn_len : lip + 31;
	bool all = true;
	for (uint64_t a = lip; a <= last; a++)
		all = all && cpu_covered(c, a);
	if (!all) {
		cpu_hook_range(c, lip, last);
		uc.ctl(c->uc, UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2), lip, last + 1);
	}
	return 0;
}

/* Undoes step_begin; a read-only part's data becomes what the instruction
 * wrote there, the slot gets its bytes back. */
static void step_undo(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	for (uint32_t i = 0; i < c->mmio_nmap; i++) {
		struct a_note a;
		mmu_a_note(v, c->mmio_map[i].page, &a);   /* the unmap walks it (mmu.c) */
		uc.mem_unmap(c->uc, c->mmio_map[i].page, PAGE_SZ);
		mmu_a_restore(v, &a);
	}
	c->mmio_nmap = 0;
	for (uint32_t i = 0; i < c->mmio_nparts; i++) {
		struct mmio_part *p = &c->mmio_part[i];
		uint8_t *h = gpa_ptr(v->vm, p->gpa, p->len);
		if (p->kind != MP_ROM || !h)
			continue;
		memcpy(p->data, h, p->len);
		memcpy(h, p->saved, p->len);
		uc.mem_protect(c->uc, p->slot->gpa, p->slot->size, UC_PROT_READ | UC_PROT_EXEC);
	}
	uc.ctl(c->uc, UC_CTL_WRITE(UC_CTL_TLB_FLUSH, 0));
	c->mmio_step = false;
	c->mmio_done = false;
}

/* The step ends without the instruction done: it raised an exception, or
 * the engine stopped otherwise. 1: it had met an access not served (the
 * exception may come from data made up): KVM_EXIT_INTERNAL_ERROR. */
int mmio_cancel(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	if (!c->mmio_step)
		return 0;
	step_undo(v);
	if (!c->mmio_unhandled)
		return 0;
	cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
	return 1;
}

/* ---- the flow (cpu.c's run loop and KVM_RUN): 1 = an exit is in run ---- */

/* The engine stopped at an access it can't make. */
int mmio_begin(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	c->mmio_lip = cpu_lip(c);
	c->mmio_unhandled = false;
	struct event pf;
	int r = split_access(v, &pf);
	if (!r) {
		cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
		return 1;
	}
	flags_fix(v);
	if (r < 0)
		return event_inject(v, pf);
	c->mmio_exit_write = false;
	c->mmio_cur = c->mmio_off = 0;
	if (next_exit(v))
		return 1;
	return step_begin(v);
}

/* At the next KVM_RUN: a read's piece is in run->mmio.data. */
int mmio_resume(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	v->pending = P_NONE;
	if (!c->mmio_exit_write)
		read_piece_in(v);
	c->mmio_off += 8;
	if (next_exit(v))
		return 1;
	if (c->mmio_exit_write)
		return 0;             /* all written: the guest goes on past it */
	return step_begin(v);
}

/* The instruction ran: its writes exit, RIP past it. */
int mmio_step_end(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	bool wrote = c->mmio_fault_write;
	for (uint32_t i = 0; i < c->mmio_nparts; i++)
		wrote = wrote || c->mmio_part[i].written;
	step_undo(v);
	leaf_restore(v);
	for (uint32_t i = 0; i < c->mmio_nparts && wrote; i++) {
		struct mmio_part *p = &c->mmio_part[i];
		if (p->kind == MP_MMIO && p->wr && p->written != (uint16_t)((1u << p->len) - 1))
			unhandled(c, "a partial MMIO write", p->gpa, p->len);
	}
	if (c->mmio_unhandled) {
		cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
		return 1;
	}
	/* A REP string instruction with elements left (RIP still on it):
	 * KVM's writeback sets RF (x86_emulate_insn: "rep_prefix && String"),
	 * which stays until the instruction completes (even its last element
	 * exits with RIP on it and rCX 0); the engine would keep it: cpu.c's
	 * code hook on the next instruction clears it. */
	if (c->mmio_string && wrote && cpu_lip(c) == c->mmio_lip) {
		reg_set(c, UC_X86_REG_RFLAGS, reg_get(c, UC_X86_REG_RFLAGS) | RFL_RF);
		c->mmio_rf_next = c->mmio_lip + c->mmio_insn_len;   /* cpu.c code_hook */
	}
	if (!wrote)
		return 0;
	c->mmio_exit_write = true;
	c->mmio_cur = c->mmio_off = 0;
	return next_exit(v);
}
