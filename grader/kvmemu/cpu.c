/*
 * cpu.c - the vCPU on Unicorn: state, hooks and the KVM_RUN loop.
 *
 * Unicorn runs translated blocks with no instrumentation unless asked. The
 * instructions KVM exits on or emulates (IN/OUT/INS/OUTS, RDMSR/WRMSR, MOV
 * CRn, XSETBV) are found without a per-instruction hook (which would cost
 * 4x): a block hook (cheap) scans each block's bytes for their opcode
 * bytes. Where one may start (its prefixes included), the address becomes
 * one of the engine's exits (UC_CTL_UC_EXITS): the translator ends the
 * block there and the engine stops before the instruction (RIP on it, as
 * KVM reports) at no cost to the code around it. An exit where no such
 * instruction starts after all (the byte was an immediate's, or the code
 * changed) is dropped at its first stop. Instruction hooks (UC_HOOK_CODE)
 * remain for mmio.c's stepping and for blocks straddling slots: Unicorn
 * checks every instruction hook at every hooked instruction, so they are
 * kept few. HLT needs nothing: Unicorn returns after it with EIP past it,
 * which is KVM's state too.
 */
#include "kvmemu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- registers ----
 * The engine is a 64-bit one (UC_MODE_64) whatever the guest's mode: it keeps
 * all 64 bits of every register and RIP, and it can run long mode. Its mode
 * is what CR0, EFER and the segment caches say (env.c). */

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

const struct env *cpu_env(struct cpu *c)
{
	if (!c->env.valid)
		env_load(c);
	return &c->env;
}

int cpu_code_size(struct cpu *c)
{
	uint32_t h = cpu_env(c)->hflags;
	return (h & HF_CS64) ? 8 : (h & HF_CS32) ? 4 : 2;
}

uint64_t cpu_seg_base(struct cpu *c, int seg)
{
	return cpu_env(c)->seg[seg].base;
}

/* Linear addresses are 32 bits wide outside long mode. */
uint64_t cpu_lin_mask(struct cpu *c)
{
	return (cpu_env(c)->hflags & HF_LMA) ? ~0ull : 0xffffffffull;
}

uint64_t cpu_lip(struct cpu *c)
{
	return (cpu_seg_base(c, SEG_CS) + reg_get(c, UC_X86_REG_RIP)) & cpu_lin_mask(c);
}

/* RIP for a linear address in the current code segment, wrapped to the
 * code's width (16-bit code wraps at 64 KiB). */
void cpu_set_lip(struct cpu *c, uint64_t lip)
{
	uint64_t rip = lip - cpu_seg_base(c, SEG_CS);
	int sz = cpu_code_size(c);
	reg_set(c, UC_X86_REG_RIP, sz == 8 ? rip : sz == 4 ? (uint32_t)rip : (uint16_t)rip);
}

static const int gpr64[16] = {
	UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX,
	UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_RSP, UC_X86_REG_RBP,
	UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
	UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};

/* GPR n as instructions encode it (SDM vol. 2, table 2-2: RAX RCX RDX RBX
 * RSP RBP RSI RDI, R8-R15 with REX). */
int cpu_gpr(int n)
{
	static const int enc[16] = {
		UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
		UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
		UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
		UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
	};
	return enc[n & 15];
}

void cpu_get_regs(struct vcpu *v, struct kvm_regs *r)
{
	struct cpu *c = &v->cpu;
	__u64 *dst[16] = { &r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi, &r->rsp,
			   &r->rbp, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13,
			   &r->r14, &r->r15 };
	for (int i = 0; i < 16; i++)
		*dst[i] = reg_get(c, gpr64[i]);
	r->rip = reg_get(c, UC_X86_REG_RIP);
	r->rflags = reg_get(c, UC_X86_REG_RFLAGS);
}

void cpu_set_regs(struct vcpu *v, const struct kvm_regs *r)
{
	struct cpu *c = &v->cpu;
	const uint64_t src[16] = { r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rsp,
				   r->rbp, r->r8, r->r9, r->r10, r->r11, r->r12, r->r13,
				   r->r14, r->r15 };
	for (int i = 0; i < 16; i++)
		reg_set(c, gpr64[i], src[i]);
	/* All 64 bits of RIP (kvm_rip_write): KVM reads back what was set. */
	reg_set(c, UC_X86_REG_RIP, r->rip);
	/* kvm_set_rflags: bit 1 is always set; VMX keeps 32 bits, VM (17) cleared
	 * outside vm86 emulation (measured: ~0 reads back as 0xfffdffff). */
	reg_set(c, UC_X86_REG_RFLAGS, ((uint32_t)r->rflags | RFL_FIXED) & ~RFL_VM);
}

/* ---- segments and control registers ---- */

static bool same_q(const struct segcache *a, const struct segcache *b)
{
	return a->selector == b->selector && a->base == b->base && a->limit == b->limit &&
	       a->flags == b->flags;
}

void cpu_get_sregs(struct vcpu *v, struct kvm_sregs *s)
{
	struct cpu *c = &v->cpu;
	const struct env *e = cpu_env(c);
	memset(s, 0, sizeof *s);
	struct kvm_segment *dst[8] = { &s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt };
	for (int i = 0; i < 8; i++) {
		if (same_q(&e->seg[i], &c->sreg_q[i]))
			*dst[i] = c->sreg[i];       /* exactly as set */
		else
			env_seg_to_kvm(&e->seg[i], dst[i]);
	}
	uc_x86_mmr m = { 0 };
	uc.reg_read(c->uc, UC_X86_REG_GDTR, &m);
	s->gdt.base = m.base;
	s->gdt.limit = (uint16_t)m.limit;
	uc.reg_read(c->uc, UC_X86_REG_IDTR, &m);
	s->idt.base = m.base;
	s->idt.limit = (uint16_t)m.limit;
	s->cr0 = reg_get(c, UC_X86_REG_CR0);
	s->cr2 = reg_get(c, UC_X86_REG_CR2);
	s->cr3 = reg_get(c, UC_X86_REG_CR3);
	s->cr4 = reg_get(c, UC_X86_REG_CR4);
	s->cr8 = c->cr8;
	s->efer = e->efer;
	s->apic_base = c->apic_base;
	irq_sregs_get(v, s);
}

/* kvm_is_valid_sregs, kvm_is_valid_cr0 and kvm_is_valid_cr4 (arch/x86/kvm/
 * x86.c), and kvm_set_apic_base's reserved bits (lapic.c), for a vCPU that
 * has had no KVM_SET_CPUID2: MAXPHYADDR 36 (cpuid_maxphyaddr), and every CR4 bit that needs a
 * CPUID feature (OSXSAVE, SMEP, SMAP, FSGSBASE, PKE, LA57, UMIP, VMXE,
 * PCIDE, CET, ...) reserved unless KVM_SET_CPUID2 gave that feature. */

/* __cr4_reserved_bits: a CR4 bit is allowed when the guest's CPUID (from
 * KVM_SET_CPUID2) has its feature; before any KVM_SET_CPUID2 only the
 * CPU's own support limits it (measured on KVM: CR4.OSXSAVE is accepted
 * then). VMXE stays reserved (no nested VMX), SMXE always is. */
static uint64_t cr4_allowed(const struct vcpu *v)
{
	static const struct { uint64_t bit; uint32_t leaf; int reg, fbit; } need[] = {
		{ CR4_UMIP, 7, 2, 2 },      /* 7.0 ECX[2] */
		{ CR4_LA57, 7, 2, 16 },     /* 7.0 ECX[16] */
		{ CR4_FSGSBASE, 7, 1, 0 },  /* 7.0 EBX[0] */
		{ CR4_PCIDE, 1, 2, 17 },    /* 1 ECX[17] */
		{ CR4_OSXSAVE, 1, 2, 26 },  /* 1 ECX[26] */
		{ CR4_SMEP, 7, 1, 7 },      /* 7.0 EBX[7] */
		{ CR4_SMAP, 7, 1, 20 },     /* 7.0 EBX[20] */
		{ CR4_PKE, 7, 2, 3 },       /* 7.0 ECX[3] */
	};
	uint64_t ok = CR4_BASE_BITS;
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (v->ncpuid ? cpuid_has(v, need[i].leaf, need[i].reg, need[i].fbit)
			      : cpuid_host_has(need[i].leaf, need[i].reg, need[i].fbit))
			ok |= need[i].bit;
	return ok;
}

/* kvm_is_valid_cr4's reserved bits. */
bool cpu_cr4_valid(const struct vcpu *v, uint64_t cr4)
{
	return !((cr4 & ~CR4_BASE_BITS) && (cr4 & ~cr4_allowed(v)));
}

static bool valid_sregs(const struct vcpu *v, const struct kvm_sregs *s)
{
	uint64_t rsvd_gpa = ~0ull << cpuid_maxphyaddr(v);
	if ((s->efer & EFER_LME) && (s->cr0 & CR0_PG)) {
		if (!(s->cr4 & CR4_PAE) || !(s->efer & EFER_LMA))
			return false;
		if (s->cr3 & rsvd_gpa)                    /* kvm_vcpu_is_legal_cr3 */
			return false;
	} else if ((s->efer & EFER_LMA) || s->cs.l) {
		return false;
	}
	if (!cpu_cr4_valid(v, s->cr4))
		return false;
	if (s->cr0 >> 32)                                 /* kvm_is_valid_cr0 */
		return false;
	if ((s->cr0 & CR0_NW) && !(s->cr0 & CR0_CD))
		return false;
	if ((s->cr0 & CR0_PG) && !(s->cr0 & CR0_PE))
		return false;
	/* kvm_set_apic_base: reserved bits, x2APIC (no CPUID: unsupported),
	 * x2APIC without xAPIC enabled. */
	if (s->apic_base & (rsvd_gpa | 0x2ff | (1ull << 10)))   /* bit 10: x2APIC enable */
		return false;
	return true;
}

/* VM entry's own checks of the guest state KVM_SET_SREGS accepted. The
 * vCPU is AMD's (cpuid.c, svm.c's microcode revision): VMRUN's consistency
 * checks (AMD APM vol. 2, 15.5.1) fail with SVM_EXIT_ERR, which KVM reports
 * as KVM_EXIT_FAIL_ENTRY with that exit code (svm.c svm_handle_exit). The
 * only one kvm_is_valid_sregs lets through: EFER.LME, CR0.PG, CR4.PAE and
 * both CS.L and CS.D (SDM vol. 3, 5.2.1: L and D both set is reserved).
 * SVM checks no other segment state (measured: tests/kvmemu/diff corpus
 * s01_cs_l_db, s02_ss_dpl3). 1 = the exit is set. */
#define SVM_EXIT_ERR 0xffffffffu
static int entry_check(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	const struct env *e = cpu_env(c);
	uint32_t cs = e->seg[SEG_CS].flags;
	if (!((e->efer & EFER_LME) && (reg_get(c, UC_X86_REG_CR0) & CR0_PG) &&
	      (reg_get(c, UC_X86_REG_CR4) & CR4_PAE) && (cs & DESC_L) && (cs & DESC_DB)))
		return 0;
	v->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	v->run->fail_entry.hardware_entry_failure_reason = SVM_EXIT_ERR;
	v->run->fail_entry.cpu = 0;
	return 1;
}

int cpu_set_sregs(struct vcpu *v, const struct kvm_sregs *s)
{
	struct cpu *c = &v->cpu;
	if (!valid_sregs(v, s))
		return -EINVAL;
	for (size_t i = 0; i < sizeof s->interrupt_bitmap / sizeof s->interrupt_bitmap[0]; i++)
		if (s->interrupt_bitmap[i]) {
			kvmemu_diag("KVM_SET_SREGS: a pending interrupt in interrupt_bitmap is "
				    "not emulated (no interrupt injection): EINVAL");
			return -EINVAL;
		}
	const struct kvm_segment *src[8] = { &s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss,
					     &s->tr, &s->ldt };
	/* Control registers first: writing CR0 recomputes QEMU's mode flags,
	 * which env_store then completes from the segments and EFER. */
	reg_set(c, UC_X86_REG_CR0, s->cr0);
	reg_set(c, UC_X86_REG_CR3, s->cr3);
	env_set_cr2(c, s->cr2);
	reg_set(c, UC_X86_REG_CR4, s->cr4);
	/* QEMU drops CR4 bits its CPU model lacks (OSXSAVE, SMAP...): KVM_RUN
	 * refuses to run without them (cpu_run). */
	c->cr4_dropped = s->cr4 ^ reg_get(c, UC_X86_REG_CR4);
	c->env.valid = false;
	cpu_env(c);
	for (int i = 0; i < 8; i++) {
		c->sreg[i] = *src[i];
		c->sreg_q[i] = (struct segcache){ .selector = src[i]->selector, .base = src[i]->base,
						  .limit = src[i]->limit,
						  .flags = env_flags_of(src[i]) };
		c->env.seg[i] = c->sreg_q[i];
	}
	c->env.efer = s->efer;
	env_store(c);
	for (int i = 0; i < 8; i++)       /* the engine's form (64-bit mode: bases 0) */
		c->sreg_q[i] = c->env.seg[i];
	uc_x86_mmr m = { .base = s->gdt.base, .limit = s->gdt.limit };
	uc.reg_write(c->uc, UC_X86_REG_GDTR, &m);
	m = (uc_x86_mmr){ .base = s->idt.base, .limit = s->idt.limit };
	uc.reg_write(c->uc, UC_X86_REG_IDTR, &m);
	c->cr8 = s->cr8;
	c->apic_base = s->apic_base;
	irq_sregs_set(v, s);
	return 0;
}

/* kvm_vcpu_reset / vmx_vcpu_reset: the state a fresh vCPU reports. */
static void reset_state(struct cpu *c)
{
	struct kvm_sregs s = {
		.cs = { .selector = 0xf000, .base = 0xffff0000, .limit = 0xffff, .type = 11,
			.present = 1, .s = 1 },
		.tr = { .limit = 0xffff, .type = 11, .present = 1 },
		.ldt = { .limit = 0xffff, .type = 2, .present = 1 },
		.gdt = { .limit = 0xffff }, .idt = { .limit = 0xffff },
		.cr0 = 0x60000010, .apic_base = 0xfee00900,
	};
	struct kvm_segment data = { .limit = 0xffff, .type = 3, .present = 1, .s = 1 };
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	cpu_set_sregs(c->v, &s);
	struct kvm_regs r = { .rdx = 0x600, .rip = 0xfff0, .rflags = 2 };
	cpu_set_regs(c->v, &r);
	/* kvm_vcpu_reset: MISC_ENABLE (PEBS and BTS unavailable), PAT. */
	c->misc_enable = (1u << 12) | (1u << 11);
	c->pat = 0x0007040600070406ull;
	/* kvm_arch_vcpu_create: mcg_cap = KVM_MAX_MCE_BANKS; kvm_guest_time /
	 * msr_kvm_poll_control: polling enabled (1). */
	c->mcg_cap = 32;
	/* svm.c svm_vcpu_create: the microcode revision an AMD vCPU reports
	 * (the engine's CPU is AMD's, "AuthenticAMD"; vmx: 0x100000000). */
	c->ucode_rev = 0x01000065;
	c->xcr0 = XFEATURE_FP;                      /* kvm_vcpu_reset */
	c->kvm_pv[5] = 1;
}

/* ---- instruction hooks where I/O instructions are ---- */

bool cpu_covered(struct cpu *c, uint64_t lin)
{
	if (c->all_covered)
		return true;
	const uint8_t *bits = ps_get(&c->covered, lin >> 12);
	return bits && (bits[(lin & 0xfff) >> 3] >> (lin & 7) & 1);
}

static void mark_covered(struct cpu *c, uint64_t lin)
{
	uint8_t *bits = ps_get(&c->covered, lin >> 12);
	if (!bits) {
		bits = calloc(PAGE_SZ / 8, 1);
		if (!bits || ps_put(&c->covered, lin >> 12, bits) < 0) {
			free(bits);
			return;               /* not recorded: hooked again later, still exact */
		}
	}
	bits[(lin & 0xfff) >> 3] |= 1 << (lin & 7);
}

static void tb_remove(struct cpu *c, uint64_t begin, uint64_t end)
{
	uc.ctl(c->uc, UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2), begin, end);
}

static void code_pages_drop(struct cpu *c);

/* Drops all translated code; never from inside a run (see tb_gen_hook).
 * No code is left to scan again or to check for the host's writes: the
 * pages are noted again as their blocks run. */
static void tb_flush(struct cpu *c)
{
	uc.ctl(c->uc, UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0));
	c->flush_pending = false;
	c->tcg_used = 0;
	memset(c->seen, 0, sizeof c->seen);
	code_pages_drop(c);
}

/* One translation's share of Unicorn's code buffer, estimated high: its
 * record, code and search data. Measured: 256 bytes for one that only stops
 * at an exit (32744 of them filled 8 MiB); x86 code takes tens of host bytes
 * per guest byte. */
#define TB_COST(size) (1024u + 192u * (uint32_t)(size))

/* Unicorn's edge hook, called (in tb_find) for each translation it makes.
 * When the buffer fills, QEMU flushes it from inside the run, and Unicorn
 * 2.1.1 then chains a block it translated before the flush to the new one
 * (tb_add_jump with a stale last_tb): a SIGSEGV in tb_set_jmp_target, seen
 * booting Linux and after ~130,000 stops at one exit. So once half the
 * buffer may be used the run ends, before the new block runs (RIP on it),
 * and run_loop flushes before the engine runs again. */
static void tb_gen_hook(uc_engine *u, uc_tb *cur, uc_tb *prev, void *opaque)
{
	(void)u; (void)prev;
	struct cpu *c = opaque;
	c->tcg_used += TB_COST(cur->size);
	if (c->tcg_used < kvmemu_knob_tcg_buffer / 2 || c->flush_pending)
		return;
	c->flush_pending = true;
	if (c->stop == S_NONE) {
		c->stop = S_RETRANSLATE;
		uc.emu_stop(c->uc);
	}
}

static void code_hook(uc_engine *u, uint64_t addr, uint32_t size, void *opaque);

/* Instruction-level hooks over [begin, end]; the caller retranslates. Past
 * MAX_CODE_HOOKS ranges one hook covers everything (slower, still exact). */
void cpu_hook_range(struct cpu *c, uint64_t begin, uint64_t end)
{
	if (c->ncode < MAX_CODE_HOOKS) {
		uc.hook_add(c->uc, &c->code_hooks[c->ncode++], UC_HOOK_CODE, (void *)code_hook,
			    c, begin, end);
		for (uint64_t a = begin; a <= end; a++)
			mark_covered(c, a);
	} else if (c->ncode == MAX_CODE_HOOKS) {
		uc.hook_add(c->uc, &c->code_hooks[0], UC_HOOK_CODE, (void *)code_hook, c, 1, 0);
		c->ncode++;
		c->all_covered = true;
		ps_clear(&c->covered, true);
		/* Not here: a flush from inside a hook frees the code being run
		 * (a segfault in the JIT buffer, seen booting Linux). run_loop
		 * flushes before the engine runs again. */
		c->flush_pending = true;
	}
}

static void stop(struct cpu *c, enum stop why)
{
	c->stop = why;
	uc.emu_stop(c->uc);
}

static bool prefix_byte(uint8_t b);

/* ---- a far return in real mode, carried out here ----
 * Unicorn 2.1.1's translation of a real-mode RETF, with a memory-read hook
 * (precise_pc_hook), stores EIP between its two loads and pops the wrong
 * frame (Unicorn issue #966; known-io.txt IO1: SeaBIOS's INT 10h thunk).
 * The code hook stops before it (block_hook hooks CA/CB bytes in real
 * mode) and it is done as the CPU does (SDM vol. 2, RET, real-address
 * mode): IP then CS popped (32-bit with an operand-size prefix), SP past
 * them and imm16, CS's base the selector times 16, its limit and
 * attributes kept; a pop past SS's limit #SS(0), an IP past CS's #GP(0). */
static bool real_mode(struct cpu *c)
{
	return !(reg_get(c, UC_X86_REG_CR0) & CR0_PE);
}

static bool retf_opcode(struct cpu *c, const uint8_t *insn, uint32_t len)
{
	uint32_t i = 0;
	while (i < len && prefix_byte(insn[i]) && (insn[i] & 0xf0) != 0x40)
		i++;
	return i < len && (insn[i] == 0xca || insn[i] == 0xcb) && real_mode(c);
}

static int real_retf(struct vcpu *v, uint64_t lip, uint32_t len)
{
	struct cpu *c = &v->cpu;
	uint8_t insn[16];
	uint32_t i = 0, o = cpu_code_size(c) == 4 ? 4 : 2;
	if (len > sizeof insn || !lin_read(v, lip, insn, len)) {
		kvmemu_diag("a real-mode RETF at 0x%llx not in RAM: KVM_EXIT_INTERNAL_ERROR",
			    (unsigned long long)lip);
		cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
		return 1;
	}
	for (; i < len && prefix_byte(insn[i]) && (insn[i] & 0xf0) != 0x40; i++)
		if (insn[i] == 0x66)
			o = cpu_code_size(c) == 4 ? 2 : 4;
	uint32_t imm = insn[i] == 0xca ? (uint32_t)(insn[i + 1] | insn[i + 2] << 8) : 0;
	const struct env *e = cpu_env(c);
	uint64_t sp_mask = (e->hflags & HF_SS32) ? 0xffffffffull : 0xffff;
	uint64_t rsp = reg_get(c, UC_X86_REG_RSP), sp = rsp & sp_mask;
	uint32_t frame[2] = { 0, 0 };
	for (int k = 0; k < 2; k++) {
		uint64_t at = (sp + (uint64_t)k * o) & sp_mask;
		if (at + o - 1 > e->seg[SEG_SS].limit)
			return event_inject(v, event_exception(X86_SS, 0));
		if (!lin_read(v, (e->seg[SEG_SS].base + at) & 0xffffffffull, &frame[k], o)) {
			kvmemu_diag("a real-mode RETF's frame at 0x%llx is not in RAM: "
				    "KVM_EXIT_INTERNAL_ERROR",
				    (unsigned long long)(e->seg[SEG_SS].base + at));
			cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
			return 1;
		}
	}
	uint64_t ip = o == 2 ? (uint16_t)frame[0] : frame[0];
	if (ip > e->seg[SEG_CS].limit)
		return event_inject(v, event_exception(X86_GP, 0));
	reg_set(c, UC_X86_REG_RSP, (rsp & ~sp_mask) | ((sp + 2 * o + imm) & sp_mask));
	c->env.seg[SEG_CS].selector = (uint16_t)frame[1];   /* limit and attributes stay */
	c->env.seg[SEG_CS].base = (uint64_t)(uint16_t)frame[1] << 4;
	env_store(c);
	reg_set(c, UC_X86_REG_RIP, ip);
	return 0;
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
	if (addr == c->mmio_rf_next && addr) {  /* (mmio.c mmio_step_end) */
		reg_set(c, UC_X86_REG_RFLAGS, reg_get(c, UC_X86_REG_RFLAGS) & ~RFL_RF);
		c->mmio_rf_next = 0;
	}
	if (c->mmio_step && addr == c->mmio_lip) {
		/* The MMIO instruction runs now (mmio.c). The engine may start
		 * it again (a new block at it): it still has to run. A REP
		 * string instruction comes back for its next element once this
		 * one is done (rSI or rDI moved): one element a step. */
		if (c->mmio_done && c->mmio_string &&
		    (reg_get(c, UC_X86_REG_RSI) != c->mmio_rsi ||
		     reg_get(c, UC_X86_REG_RDI) != c->mmio_rdi)) {
			stop(c, S_STEPPED);
			return;
		}
		c->mmio_done = true;
		return;
	}
	if (c->mmio_done) {           /* the MMIO instruction completed */
		stop(c, S_STEPPED);
		return;
	}
	uint8_t insn[16];
	if (size > sizeof insn || !lin_read(c->v, addr, insn, size))
		return;
	enum stop why = pio_opcode(insn, size) ? S_IO : msr_opcode(insn, size) ? S_MSR :
			cr_opcode(insn, size) ? S_CR : retf_opcode(c, insn, size) ? S_RETF : S_NONE;
	if (why == S_MSR && msr_opcode(insn, size) == 3 && rdtsc_hooked(c->v, size))
		return;                   /* RDTSC done, the run goes on */
	if (why != S_NONE) {
		c->stop_lip = addr;
		c->stop_len = size;
		c->stop_by_hook = true;
		stop(c, why);
	}
}

/* ---- the engine's exits where such instructions may start ---- */

/* Stops after which a site's exit becomes an instruction hook, and how
 * many hooks may be made so (half of them: mmio.c needs some). */
#define HOT_EXIT 16
#define HOT_HOOKS (MAX_CODE_HOOKS / 2)

static bool exit_find(const struct cpu *c, uint64_t lin, uint32_t *at)
{
	uint32_t lo = 0, hi = c->nexits;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (c->exits[mid] < lin)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return lo < c->nexits && c->exits[lo] == lin;
}

static bool is_exit(const struct cpu *c, uint64_t lin)
{
	uint32_t at;
	return exit_find(c, lin, &at);
}

/* Unicorn replaces its whole set: done once per block that added some. */
static void exits_commit(struct cpu *c)
{
	uc.ctl(c->uc, UC_CTL_WRITE(UC_CTL_UC_EXITS, 2), c->exits, (size_t)c->nexits);
}

/* 1: added, 0: already there, -1: out of memory. */
static int exit_add(struct cpu *c, uint64_t lin)
{
	uint32_t at;
	if (exit_find(c, lin, &at))
		return 0;
	if (c->nexits == c->capexits) {
		uint32_t cap = c->capexits ? 2 * c->capexits : 256;
		uint64_t *n = realloc(c->exits, cap * sizeof *n);
		if (n)
			c->exits = n;
		uint32_t *h = n ? realloc(c->exit_hits, cap * sizeof *h) : NULL;
		if (!h)
			return -1;
		c->exit_hits = h;
		c->capexits = cap;
	}
	memmove(&c->exits[at + 1], &c->exits[at], (c->nexits - at) * sizeof *c->exits);
	memmove(&c->exit_hits[at + 1], &c->exit_hits[at], (c->nexits - at) * sizeof *c->exit_hits);
	c->exits[at] = lin;
	c->exit_hits[at] = 0;
	c->nexits++;
	return 1;
}

static void exit_del(struct cpu *c, uint32_t at)
{
	memmove(&c->exits[at], &c->exits[at + 1], (c->nexits - at - 1) * sizeof *c->exits);
	memmove(&c->exit_hits[at], &c->exit_hits[at + 1],
		(c->nexits - at - 1) * sizeof *c->exit_hits);
	c->nexits--;
	exits_commit(c);
}

/* Drops the translations that stop at the exit at lip: they end before it
 * (the exit adds no byte to them), so those of lip's page up to it, and of
 * the page before when lip starts a page (only if mapped: translating an
 * unmapped address raises a fault inside QEMU that no hook sees). */
static void drop_exit_blocks(struct cpu *c, uint64_t lip)
{
	uint64_t page = lip & ~0xfffull, g;
	tb_remove(c, page, lip + 1);
	if (lip == page && page && mmu_translate(c->v, page - 1, &g))
		tb_remove(c, page - 1, page);
}

static bool cand_has(struct cpu *c, uint64_t lin)
{
	const uint8_t *bits = ps_get(&c->cand, lin >> 12);
	return bits && (bits[(lin & 0xfff) >> 3] >> (lin & 7) & 1);
}

static void cand_set(struct cpu *c, uint64_t lin, bool on)
{
	uint8_t *bits = ps_get(&c->cand, lin >> 12);
	if (!bits && on) {
		bits = calloc(PAGE_SZ / 8, 1);
		if (!bits || ps_put(&c->cand, lin >> 12, bits) < 0) {
			free(bits);
			return;               /* not recorded: found again later */
		}
	}
	if (bits && on)
		bits[(lin & 0xfff) >> 3] |= 1 << (lin & 7);
	else if (bits)
		bits[(lin & 0xfff) >> 3] &= ~(1 << (lin & 7));
}

/* Exits at [begin, end] for the opcode byte at op: 1 if one was added, 0
 * if all were there (kept by exits_prune), -1 when out of memory (the
 * caller hooks the range instead: slower, still exact). */
static int exits_for(struct cpu *c, uint64_t begin, uint64_t end, uint64_t op)
{
	int added = 0;
	for (uint64_t a = begin; a <= end; a++) {
		int r = exit_add(c, a);
		if (r < 0)
			return -1;
		added |= r;
	}
	cand_set(c, op, true);
	return added;
}

/* Unicorn ends every run by walking all of its exits (resume_all_vcpus:
 * for each, a page-table walk and a translation invalidation at exit - 1,
 * over a tree of scattered nodes): half of a Linux boot's CPU time with
 * ~12,600 exits, most of them in code long done with or never stopped at
 * (an opcode-like byte inside an instruction, `sub rsp, imm8`'s EC). So
 * once the set has doubled since the last prune (and holds PRUNE_MIN),
 * only the exits some stop came to are kept; the others, every candidate
 * and the scanned-block cache are forgotten, and each block that runs
 * again is scanned again like new code: an I/O site's exit is back before
 * its block runs. No translation spans an exit (block_hook removed them
 * when it added one), and the walk at the end of the last run dropped
 * those ending at one and the engine's stop at one (a translation of no
 * bytes), except on a page the tables then didn't map: after_stop_ok
 * drops such a stop when it comes (a flush per prune instead cost the
 * retranslation of all code each time). (Also
 * keeping those that blocks scanned since the last prune asked for kept
 * thousands: the walk stayed ~45% of a boot's CPU, measured.) Between
 * runs only. */
#define PRUNE_MIN 1024

static void exits_prune(struct cpu *c)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < c->nexits; i++)
		if (c->exit_hits[i]) {
			c->exits[n] = c->exits[i];
			c->exit_hits[n++] = c->exit_hits[i];
		}
	c->nexits = n;
	exits_commit(c);
	ps_clear(&c->cand, true);
	memset(c->seen, 0, sizeof c->seen);
	c->stale_lip = NO_LIP;
	c->prune_at = 2 * n > PRUNE_MIN ? 2 * n : PRUNE_MIN;
}

/* Whether the bytes before addr + k (p: the block's bytes from addr) end
 * an HLT, or an STI, POP SS or MOV SS, reg (an interrupt shadow). The
 * engine stops at an exit as if it had run a HLT (EIP on the exit), and
 * after a real HLT with EIP past it: an exit right after an HLT would be
 * ambiguous. And that imitated HLT ends the shadow (QEMU's do_hlt clears
 * HF_INHIBIT_IRQ), which KVM reports in ready_for_interrupt_injection. Such
 * a site gets an instruction hook instead (a byte merely looking like one
 * costs only speed). */
static bool after_hlt(struct cpu *c, uint64_t addr, const uint8_t *p, uint32_t k)
{
	uint8_t b[2] = { 0, 0 };
	if (k >= 2)
		memcpy(b, p + k - 2, 2);
	else if ((addr + k < 2 || !lin_read(c->v, addr + k - 2, b, 2)) && addr + k >= 1)
		(void)lin_read(c->v, addr + k - 1, b + 1, 1);      /* at a slot's start */
	return b[1] == 0xf4 || b[1] == 0xfb || b[1] == 0x17 || (b[0] == 0x8e && (b[1] & 0xf8) == 0xd0);
}

/* An exit the engine stopped at: not one right after an HLT byte (that is
 * the HLT's own stop, see after_hlt). */
static bool at_exit(struct cpu *c, uint64_t lip)
{
	uint8_t b = 0;
	return is_exit(c, lip) && !(lip > 0 && lin_read(c->v, lip - 1, &b, 1) && b == 0xf4);
}

/* The length of the instruction at p (n bytes readable) if it is one of
 * those stopped at exits: prefixes (REX only in 64-bit code), then its
 * opcode and operand bytes. */
static uint32_t site_len(const uint8_t *p, uint32_t n, bool code64)
{
	uint32_t i = 0;
	while (i < n && i < 14 && (p[i] == 0x66 || p[i] == 0x67 || p[i] == 0xf2 || p[i] == 0xf3 ||
				   p[i] == 0xf0 || p[i] == 0x26 || p[i] == 0x2e || p[i] == 0x36 ||
				   p[i] == 0x3e || p[i] == 0x64 || p[i] == 0x65 ||
				   (code64 && (p[i] & 0xf0) == 0x40)))   /* else INC/DEC */
		i++;
	if (i >= n)
		return 0;
	uint8_t b = p[i];
	if (b >= 0xe4 && b <= 0xe7)
		return i + 2;
	if ((b >= 0xec && b <= 0xef) || (b >= 0x6c && b <= 0x6f))
		return i + 1;
	if (b != 0x0f || i + 1 >= n)
		return 0;
	if (p[i + 1] >= 0x30 && p[i + 1] <= 0x32)
		return i + 2;
	if (p[i + 1] == 0x20 || p[i + 1] == 0x22 || p[i + 1] == 0x01)
		return i + 3;
	return 0;
}

/* The engine stopped at an exit (it imitates HLT there, RIP on it): the
 * instruction's kind, with stop_lip/stop_len set; S_NONE when none of
 * those starts there (the exit is dropped and the engine runs on). */
static enum stop exit_stop(struct cpu *c, uint64_t lip)
{
	uint8_t insn[16];
	uint32_t len = 0, got = sizeof insn;
	while (got > 0 && !lin_read(c->v, lip, insn, got))
		got--;                            /* near the end of a slot */
	if (got)
		len = site_len(insn, got, cpu_code_size(c) == 8);
	enum stop why = S_NONE;
	if (len && len <= got)
		why = pio_opcode(insn, len) ? S_IO : msr_opcode(insn, len) ? S_MSR :
		      cr_opcode(insn, len) ? S_CR : S_NONE;
	uint32_t at;
	bool found = exit_find(c, lip, &at);
	if (why != S_NONE) {
		c->stop_lip = lip;
		c->stop_len = len;
		c->stop_by_hook = false;
		/* Unicorn translates the stop at an exit anew each time (2-4x
		 * the cost of an instruction hook's stop): a site that stops
		 * often gets an instruction hook instead, while they are few. */
		if (found && ++c->exit_hits[at] >= HOT_EXIT && c->ncode < HOT_HOOKS) {
			exit_del(c, at);
			cpu_hook_range(c, lip, lip);
			drop_exit_blocks(c, lip);
		}
		return why;
	}
	/* Its opcode byte stays a known candidate, or the next scan of the
	 * block would add the exit again. */
	if (found)
		exit_del(c, at);
	drop_exit_blocks(c, lip);
	return S_NONE;
}

/* Which bytes can be the opcode of IN, OUT, INS or OUTS. */
static bool io_byte(uint8_t b)
{
	return (b >= 0xe4 && b <= 0xe7) || (b >= 0xec && b <= 0xef) || (b >= 0x6c && b <= 0x6f);
}

static bool prefix_byte(uint8_t b)
{
	return b == 0x66 || b == 0x67 || b == 0xf2 || b == 0xf3 || b == 0xf0 || b == 0x26 ||
	       b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
	       (b & 0xf0) == 0x40;    /* REX in 64-bit code */
}

static void note_code_page(struct cpu *c, uint64_t page);

static uint64_t fnv(const uint8_t *p, uint32_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Drops translations of guest-physical [gpa, end). Unicorn removes them by
 * virtual address: without paging that is the same range; with paging all
 * of them go (a full flush touches the whole JIT buffer: only then). */
static void tb_remove_phys(struct cpu *c, uint64_t gpa, uint64_t end)
{
	memset(c->seen, 0, sizeof c->seen);
	if (reg_get(c, UC_X86_REG_CR0) & CR0_PG)
		tb_flush(c);
	else
		tb_remove(c, gpa, end);
}

/* A stop from the block hook ends the run before the block's first
 * instruction (Unicorn calls the hook just before the block's check for a
 * stop request), but Unicorn 2.1.1 leaves RIP as it was whenever an
 * instruction hook exists (cpu_tb_exec skips synchronize_from_tb then), and
 * a block entered by a chained direct jump never stored its address: RIP is
 * then that of an earlier instruction (the last load or store, a CALL), and
 * the next run executed it again (a CALL pushed twice: Linux's stack
 * corrupted while it patched its code). run_loop sets RIP to the block. */
static void block_stop(struct cpu *c, enum stop why, uint64_t addr)
{
	c->block_lip = addr;
	c->block_stop = true;
	stop(c, why);
}

/* Whether the block about to run should stop for irq.c (a timer due, a
 * kick, an IRQ window) instead; the block after an irq_hold runs first
 * (an STI shadow, an NMI's IRET). */
static bool irq_due(struct cpu *c)
{
	if (c->irq_hold) {
		c->irq_hold = false;
		return false;
	}
	return c->vtime >= c->vdeadline || c->v->irq_kick ||
	       (c->irq_window && (reg_get(c, UC_X86_REG_EFLAGS) & RFL_IF));
}

static void block_hook(uc_engine *u, uint64_t addr, uint32_t size, void *opaque)
{
	(void)u;
	struct cpu *c = opaque;
	c->tb_lip = addr;             /* mmio.c flags_after */
	c->tb_end = addr + size;      /* rf_completed */
	if (kvmemu_signalled) {
		block_stop(c, S_SIGNAL, addr);
		return;
	}
	if (c->mmio_done && addr != c->mmio_lip) {
		block_stop(c, S_STEPPED, addr);       /* the MMIO instruction ended its block */
		return;
	}
	/* The virtual clock (irq.c); a timer due, a kick, an IRQ window. */
	c->vtime += size;
	if (irq_due(c)) {
		block_stop(c, S_IRQ, addr);
		return;
	}
	if (size == 0)
		return;
	/* Without paging the "CR3" of an entry is ~0. */
	unsigned slot = (unsigned)(addr ^ addr >> 12) & 1023;
	uint64_t cr3 = (reg_get(c, UC_X86_REG_CR0) & CR0_PG) ? reg_get(c, UC_X86_REG_CR3) : ~0ull;
	if (c->seen[slot].size == size && c->seen[slot].addr == addr && c->seen[slot].cr3 == cr3 &&
	    c->seen[slot].hash == fnv(c->seen[slot].host, size))
		return;
	uint64_t last = addr + size - 1, g;
	const uint8_t *host;
	if (mmu_translate(c->v, addr, &g) && !ps_get(&c->code_pages, g >> 12))
		note_code_page(c, g >> 12);
	if (mmu_translate(c->v, last, &g) && !ps_get(&c->code_pages, g >> 12))
		note_code_page(c, g >> 12);
	const uint8_t *p = c->blockbuf;
	if (size > sizeof c->blockbuf || !lin_read(c->v, addr, c->blockbuf, size)) {
		/* straddles slots: hook it all */
		if (!cpu_covered(c, addr)) {
			cpu_hook_range(c, addr, last);
			tb_remove(c, addr, last + 1);
			block_stop(c, S_RETRANSLATE, addr);
		}
		return;
	}
	bool added = false, real = real_mode(c);
	for (uint32_t i = 0; i < size; i++) {
		/* I/O opcodes, and RDMSR/WRMSR/RDTSC (0f 32 / 0f 30 / 0f 31) and MOV to/from
		 * CRn (0f 22 / 0f 20): the hook starts at the 0f, so the prefixes
		 * before it are found as for I/O. */
		bool twobyte = i + 1 < size && p[i] == 0x0f &&
			       (p[i + 1] == 0x30 || p[i + 1] == 0x31 || p[i + 1] == 0x32 || p[i + 1] == 0x20 ||
				p[i + 1] == 0x22 ||
				(p[i + 1] == 0x01 && i + 2 < size && (p[i + 2] & 0xfe) == 0xd0));
		bool retf = (p[i] == 0xca || p[i] == 0xcb) && real;
		if ((!io_byte(p[i]) && !twobyte && !retf) || cand_has(c, addr + i) || cpu_covered(c, addr + i))
			continue;
		/* An instruction with this opcode byte starts at it or at the
		 * prefixes right before it: exits only there, so a loop whose
		 * immediates merely contain such a byte stays fast. */
		uint32_t k = i;
		while (k > 0 && i - k < 14 && prefix_byte(p[k - 1]))
			k--;
		/* a RETF is done in C from its instruction hook (code_hook) */
		int r = retf || after_hlt(c, addr, p, k) ? -1 : exits_for(c, addr + k, addr + i, addr + i);
		if (r < 0)
			cpu_hook_range(c, addr + k, addr + i);
		added |= r != 0;
	}
	if (added) {
		exits_commit(c);
		tb_remove(c, addr, last + 1);
		block_stop(c, S_RETRANSLATE, addr);
	} else if ((addr & 0xfff) + size <= PAGE_SZ && (host = lin_ptr(c->v, addr, size))) {
		c->seen[slot].host = host;
		c->seen[slot].addr = addr;
		c->seen[slot].size = size;
		c->seen[slot].cr3 = cr3;
		c->seen[slot].hash = fnv(c->seen[slot].host, size);
	}
}

/* ---- host writes to guest code between two KVM_RUNs ----
 * Unicorn sees the guest's own stores to code, not the host's writes through
 * its mapping. Pages code was translated from are copied when first seen
 * and compared at each KVM_RUN; a changed page drops its translations.
 * Copying every page again at each exit cost a Linux boot ~1,200 pages (a
 * few MB) per exit to user space. So only pages found changed once (kept
 * in c->written, across flushes) are copied at each exit: a page the guest
 * itself wrote during a run is invalidated once at the next KVM_RUN (a
 * retranslation, never stale code), then its guest writes no longer look
 * like the host's. A flush drops them all (no code left to protect). */

struct code_page {
	uint8_t bytes[PAGE_SZ];   /* as at the last exit, or when first seen */
	uint64_t gpa;
	bool every_exit;          /* copied at each exit (in c->exit_pages) */
};

/* From now on copied at each exit; when out of memory it stays compared
 * only (invalidated again: still exact). */
static void copy_every_exit(struct cpu *c, struct code_page *cp)
{
	if (c->nexit_pages == c->capexit_pages) {
		uint32_t cap = c->capexit_pages ? 2 * c->capexit_pages : 16;
		struct code_page **n = realloc(c->exit_pages, cap * sizeof *n);
		if (!n)
			return;
		c->exit_pages = n;
		c->capexit_pages = cap;
	}
	c->exit_pages[c->nexit_pages++] = cp;
	cp->every_exit = true;
}

static void note_code_page(struct cpu *c, uint64_t page)
{
	const uint8_t *p = gpa_ptr(c->v->vm, page * PAGE_SZ, PAGE_SZ);
	struct code_page *cp = p ? malloc(sizeof *cp) : NULL;
	if (!cp)
		return;
	memcpy(cp->bytes, p, PAGE_SZ);
	cp->gpa = page * PAGE_SZ;
	cp->every_exit = false;
	if (ps_put(&c->code_pages, page, cp) < 0)
		free(cp);
	else if (ps_get(&c->written, page))
		copy_every_exit(c, cp);
}

static void code_pages_check(struct cpu *c)
{
	struct pageset *ps = &c->code_pages;
	bool paging = reg_get(c, UC_X86_REG_CR0) & CR0_PG, flush = false;
	for (uint32_t i = 0; i < ps->cap; i++) {
		if (!ps->keys[i])
			continue;
		struct code_page *cp = ps->vals[i];
		const uint8_t *p = gpa_ptr(c->v->vm, cp->gpa, PAGE_SZ);
		if (!p || memcmp(p, cp->bytes, PAGE_SZ) == 0)
			continue;
		(void)ps_put(&c->written, ps->keys[i] - 1, c);   /* (a hint: may fail) */
		if (paging) {
			flush = true;     /* (tb_remove_phys: all of it) once, after the loop */
			continue;
		}
		tb_remove_phys(c, cp->gpa, cp->gpa + PAGE_SZ);
		memcpy(cp->bytes, p, PAGE_SZ);
		if (!cp->every_exit)
			copy_every_exit(c, cp);
	}
	if (flush)
		tb_flush(c);
}

static void code_pages_snapshot(struct cpu *c)
{
	for (uint32_t i = 0; i < c->nexit_pages; i++) {
		struct code_page *cp = c->exit_pages[i];
		const uint8_t *p = gpa_ptr(c->v->vm, cp->gpa, PAGE_SZ);
		if (p)
			memcpy(cp->bytes, p, PAGE_SZ);
	}
}

static void code_pages_drop(struct cpu *c)
{
	ps_clear(&c->code_pages, true);
	free(c->exit_pages);
	c->exit_pages = NULL;
	c->nexit_pages = c->capexit_pages = 0;
}

static void code_pages_forget(struct cpu *c)
{
	code_pages_drop(c);
	ps_clear(&c->written, false);
}

/* ---- the other hooks ---- */

static void intr_hook(uc_engine *u, uint32_t intno, void *opaque)
{
	(void)u;
	struct cpu *c = opaque;
	/* Read now: the engine may fault again (and overwrite them) before
	 * uc_emu_start returns. */
	uint32_t err;
	bool soft;
	env_exception(c, &err, &soft);
	c->event = soft ? (struct event){ .kind = EV_SOFT_INT, .vector = (uint8_t)intno }
			: event_exception((int)intno, err);
	c->event.cr2 = reg_get(c, UC_X86_REG_CR2);
	stop(c, S_INTR);
}

/* SYSCALL/SYSENTER: Unicorn's helpers only call these hooks and skip the
 * instruction. Stop; run_loop does the CPU's work (or refuses). */
static void syscall_hook(uc_engine *u, void *opaque)
{
	(void)u;
	struct cpu *c = opaque;
	c->stop_lip = cpu_lip(c);
	stop(c, S_SYSCALL);
}

static void sysenter_hook(uc_engine *u, void *opaque)
{
	(void)u;
	struct cpu *c = opaque;
	c->stop_lip = cpu_lip(c);
	stop(c, S_SYSENTER);
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
	uc_err e = uc.open(UC_ARCH_X86, UC_MODE_64, &c->uc);
	if (e) {
		kvmemu_diag("uc_open: %s", uc.strerror(e));
		return -ENOMEM;
	}
	/* Unicorn reserves 1 GiB of JIT address space by default; a lab guest
	 * translates a few KiB of code, and when the buffer fills QEMU flushes
	 * it and goes on. A small one lets the sandbox's RLIMIT_AS be small. */
	uc.ctl(c->uc, UC_CTL_WRITE(UC_CTL_TCG_BUFFER_SIZE, 1), kvmemu_knob_tcg_buffer);
	/* No stop address: with `until` Unicorn invalidates the translation at
	 * it after every run, which walks the guest's page tables for that
	 * address; a non-canonical one raised a #GP inside QEMU that no hook
	 * sees, and its "exception in flight" then turned the guest's next
	 * fault into #DF and a silent stop (issue 21 item 1). An empty exit set
	 * makes uc_emu_start ignore `until`; kvmemu stops by uc_emu_stop only. */
	uc.ctl(c->uc, UC_CTL_WRITE(UC_CTL_UC_USE_EXITS, 1), 1);
	if (env_probe(c) < 0)
		return -ENOMEM;
	uc_hook h;
	uc.hook_add(c->uc, &h, UC_HOOK_BLOCK, (void *)block_hook, c, 1, 0);
	uc.hook_add(c->uc, &h, UC_HOOK_EDGE_GENERATED, (void *)tb_gen_hook, c, 1, 0);
	uc.hook_add(c->uc, &h, UC_HOOK_INTR, (void *)intr_hook, c, 1, 0);
	uc.hook_add(c->uc, &h, UC_HOOK_INSN_INVALID, (void *)invalid_hook, c, 1, 0);
	uc.hook_add(c->uc, &h, UC_HOOK_INSN, (void *)in_hook, c, 1, 0, UC_X86_INS_IN);
	uc.hook_add(c->uc, &h, UC_HOOK_INSN, (void *)out_hook, c, 1, 0, UC_X86_INS_OUT);
	uc.hook_add(c->uc, &h, UC_HOOK_INSN, (void *)cpuid_hook, v, 1, 0, UC_X86_INS_CPUID);
	uc.hook_add(c->uc, &h, UC_HOOK_INSN, (void *)syscall_hook, c, 1, 0, UC_X86_INS_SYSCALL);
	uc.hook_add(c->uc, &h, UC_HOOK_INSN, (void *)sysenter_hook, c, 1, 0, UC_X86_INS_SYSENTER);
	uc.hook_add(c->uc, &h, UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED |
		    UC_HOOK_MEM_WRITE_PROT, (void *)mmio_unmapped_hook, v, 1, 0);
	uc.hook_add(c->uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, (void *)precise_pc_hook,
		    c, 0xfffffff0, 0xfffffff0);
	budget_attach(c);
	reset_state(c);
	return 0;
}

void cpu_fini(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	if (c->uc)
		uc.close(c->uc);
	c->uc = NULL;
	if (c->ctx)
		uc.context_free(c->ctx);
	if (c->ctx_full)
		uc.context_free(c->ctx_full);
	c->ctx = c->ctx_full = NULL;
	code_pages_forget(c);
	ps_clear(&c->covered, true);
	ps_clear(&c->cand, true);
	free(c->exits);
	free(c->exit_hits);
	c->exits = NULL;
	c->exit_hits = NULL;
	c->nexits = c->capexits = 0;
	ps_clear(&c->ad_tables, false);
}

/* Guest writes to a slot with dirty logging (physical addresses: Unicorn
 * 2.1 reports memory hooks by guest-physical address). A write crossing a
 * page boundary is reported once, by its first byte (mmu.c finds the rest). */
static void dirty_hook(uc_engine *u, uc_mem_type t, uint64_t addr, int size, int64_t val,
		       void *opaque)
{
	(void)u; (void)t; (void)val;
	struct vcpu *v = opaque;
	slot_dirty(v->vm, addr, 1);
	if ((addr & 0xfff) + (uint64_t)size > PAGE_SZ)
		mmu_dirty_straddle(v, addr, size);
}

int cpu_map(struct vcpu *v, struct slot *s)
{
	struct cpu *c = &v->cpu;
	mmio_cancel(v);           /* (no step between two KVM_RUNs) */
	uint32_t prot = (s->flags & KVM_MEM_READONLY) ? UC_PROT_READ | UC_PROT_EXEC : UC_PROT_ALL;
	uc_err e = uc.mem_map_ptr(c->uc, s->gpa, s->size, prot, s->hva);
	if (e) {
		kvmemu_diag("mapping slot %u at 0x%llx: %s", s->id, (unsigned long long)s->gpa,
			    uc.strerror(e));
		return -EINVAL;
	}
	if (s->dirty)
		uc.hook_add(c->uc, &s->dirty_hook, UC_HOOK_MEM_WRITE, (void *)dirty_hook, v,
			    s->gpa, s->gpa + s->size - 1);
	tb_remove_phys(c, s->gpa, s->gpa + s->size);
	code_pages_forget(c);
	return 0;
}

void cpu_unmap(struct vcpu *v, struct slot *s)
{
	struct cpu *c = &v->cpu;
	if (s->dirty_hook) {
		uc.hook_del(c->uc, s->dirty_hook);
		s->dirty_hook = 0;
	}
	tb_remove_phys(c, s->gpa, s->gpa + s->size);
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

/* HLT leaves EIP after it with nothing else asked: check it was one. */
static int after_stop_ok(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	uint64_t lip = cpu_lip(c);
	uint8_t b = 0;
	if (lip && lin_read(v, lip - 1, &b, 1) && b == 0xf4) {
		v->run->exit_reason = KVM_EXIT_HLT;
		return 1;
	}
	/* QEMU raised a fault while it held an older one "in flight" (its
	 * check_exception: old_exception, which only QEMU's own delivery
	 * clears; kvmemu delivers, event.c) and took it for a triple fault:
	 * EXCP_HLT, no hook called. Seen booting Linux (a #PF in rep movsd,
	 * old_exception #DF, left by Unicorn's end-of-run walk of the exits,
	 * which env_after_run now undoes after every run); kept for such a
	 * fault raised unseen inside a run. KVM has no such state: clear it,
	 * run again. */
	if (env_old_exception(c, true) != -1)
		return 0;
	/* The engine's stop at an exit exits_prune dropped, kept where
	 * Unicorn's walk couldn't reach it (see exits_prune): dropped now that
	 * its page is mapped, once per prune. */
	if (c->prune_at && lip != c->stale_lip) {
		c->stale_lip = lip;
		drop_exit_blocks(c, lip);
		return 0;
	}
	uint8_t p[4] = { 0 };
	lin_read(v, lip, p, sizeof p);
	kvmemu_diag("internal: the engine stopped at 0x%llx (%02x %02x %02x %02x) for no known "
		    "reason", (unsigned long long)lip, p[0], p[1], p[2], p[3]);
	cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
	return 1;
}

/* Did an instruction complete in the block that stopped at the exit at
 * c->stop_lip? The CPU clears RF when one completes (SDM vol. 3, 17.3.1.1;
 * an IRET from a fault's frame restores RF = 1); QEMU clears it only at the
 * end of a block that began with RF set, which a block stopped at an exit
 * never reaches. RF only becomes 1 between blocks (an IRET ends one), so an
 * instruction of the stopping block ran after it. An instruction hook stops
 * inside its block; an engine exit ends the block that falls into it (a
 * block that starts at an exit gets no block hook: then the last block, an
 * IRET's say, jumped there and nothing completed). An instruction KVM
 * completes on a fast path (IN/OUT, RDMSR, MOV CR) leaves RF as it was, and
 * so does kvmemu. */
static bool rf_completed(const struct cpu *c)
{
	if (c->tb_lip == NO_LIP || c->stop_lip == c->tb_lip)
		return false;
	return c->stop_by_hook || c->stop_lip == c->tb_end;
}

/* RF clear: see rf_completed. */
static void rf_after_completed(struct cpu *c)
{
	uint64_t fl = reg_get(c, UC_X86_REG_RFLAGS);
	if (fl & RFL_RF)
		reg_set(c, UC_X86_REG_RFLAGS, fl & ~RFL_RF);
}

/* Runs the guest until something needs user space. 1: exit, <0: -errno. */
static int run_loop(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	for (;;) {
		int ir = irq_entry(v);
		if (ir)
			return ir;
		if (c->flush_pending)
			tb_flush(c);
		/* Not right after a scan added exits (S_RETRANSLATE): its block
		 * runs first, or one with PRUNE_MIN exits never would (test
		 * prune_exits). */
		if (c->stop != S_RETRANSLATE && c->nexits >= (c->prune_at ? c->prune_at : PRUNE_MIN))
			exits_prune(c);
		c->stop = S_NONE;
		c->block_stop = false;
		c->tb_lip = c->tb_end = NO_LIP;
		/* `until` is ignored (an empty exit set, cpu_init). */
		uc_err e = uc.emu_start(c->uc, reg_get(c, UC_X86_REG_RIP), 0, 0, 0);
		env_after_run(c);             /* CR2, old_exception: see there */
		c->env.valid = false;
		c->xlat_valid = false;
		if (c->block_stop && e == UC_ERR_OK)
			cpu_set_lip(c, c->block_lip);     /* see block_stop */
		if (c->stop == S_NONE && e == UC_ERR_OK && at_exit(c, cpu_lip(c))) {
			/* After a completed MMIO instruction the exit is the stop
			 * the step waits for (code_hook's S_STEPPED: an exit
			 * comes before any hook); the next run stops there again. */
			if (c->mmio_done)
				c->stop = S_STEPPED;
			else if (irq_due(c))
				/* A block that starts at an exit gets no block
				 * hook (translator_loop checks for an exit
				 * first): irq.c's stop is made here, so an NMI
				 * held until an IRET lands before an OUT right
				 * after it. */
				c->stop = S_IRQ;
			else
				c->stop = exit_stop(c, cpu_lip(c));
			if (c->stop == S_NONE)
				continue;
		}
		if ((c->stop == S_IO || c->stop == S_MSR || c->stop == S_CR) && rf_completed(c))
			rf_after_completed(c);
		switch (c->stop) {
		case S_RETRANSLATE:
		case S_IRQ:
			continue;
		case S_SIGNAL:
			v->run->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		case S_IO:
			if (!pio_exit(v, c->stop_lip, c->stop_len))
				continue;
			if (!irq_pio(v))          /* else an in-kernel device took it */
				return 1;
			if (pio_complete(v))
				return 1;
			continue;
		case S_INTR:
			if (mmio_cancel(v))   /* the MMIO instruction faulted */
				return 1;
			insn_stack_fault(v, &c->event);
			if (event_inject(v, c->event))
				return 1;
			continue;
		case S_MMIO:
			if (mmio_begin(v))
				return 1;
			continue;
		case S_STEPPED:
			if (mmio_step_end(v))
				return 1;
			continue;
		case S_ESCAPED:
			cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
			return 1;
		case S_SYSCALL:
			if (syscall_insn(v, c->stop_lip))
				return 1;
			continue;
		case S_SYSENTER:
			cpu_set_lip(c, c->stop_lip);
			kvmemu_diag("SYSENTER is not emulated: KVM_EXIT_INTERNAL_ERROR");
			cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
			return 1;
		case S_CR:
			if (cr_insn(v, c->stop_lip, c->stop_len))
				return 1;
			continue;
		case S_RETF:
			if (real_retf(v, c->stop_lip, c->stop_len))
				return 1;
			continue;
		case S_MSR: {
			uint8_t insn[16];
			lin_read(v, c->stop_lip, insn, c->stop_len);
			int k = msr_opcode(insn, c->stop_len);
			if (k == 3 ? rdtsc_insn(v, c->stop_lip, c->stop_len)
				   : msr_insn(v, c->stop_lip, c->stop_len, k == 2))
				return 1;
			continue;
		}
		case S_NONE:
			break;
		}
		if (mmio_cancel(v))       /* an MMIO instruction ended otherwise */
			return 1;
		switch (e) {
		case UC_ERR_OK:
			if (!after_stop_ok(v))
				continue;
			if (v->run->exit_reason == KVM_EXIT_HLT && irq_chip(v)) {
				/* kvm_emulate_halt with an in-kernel LAPIC: no exit */
				int r = irq_halt(v);
				if (r < 0)
					return r;
				continue;
			}
			return 1;
		case UC_ERR_FETCH_UNMAPPED:
		case UC_ERR_FETCH_PROT:
			/* KVM: the emulator can't fetch from MMIO (x86.c,
			 * handle_emulation_failure). */
			cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
			return 1;
		case UC_ERR_INSN_INVALID: {
			int r = cr_undefined(v);  /* KVM runs it: SMAP, XSAVE (cr.c) */
			if (r >= 0) {
				if (r)
					return 1;
				continue;
			}
			if (event_inject(v, event_exception(X86_UD, 0)))
				return 1;
			continue;
		}
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
	v->has_run = true;
	if (v->pending == P_MMIO) {
		if (mmio_resume(v))
			return 0;
	} else if (pio_complete(v)) {
		return 0;                 /* an INS destination's fault: triple fault */
	}
	if (c->cr4_dropped) {
		kvmemu_diag("CR4 bits 0x%llx (set by KVM_SET_SREGS) are not emulated: "
			    "KVM_EXIT_INTERNAL_ERROR", (unsigned long long)c->cr4_dropped);
		cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
		return 0;
	}
	if (entry_check(v))
		return 0;
	code_pages_check(c);
	mmu_ad_track(v, false);
	irq_run_begin(v);
	int r = run_loop(v);
	irq_run_end(v);
	irq_exit_fields(v);
	mmu_ad_track(v, true);
	code_pages_snapshot(c);
	return r < 0 ? r : 0;
}
