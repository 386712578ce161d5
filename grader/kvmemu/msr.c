/*
 * msr.c - model-specific registers as KVM handles them: the guest's RDMSR
 * and WRMSR, KVM_GET_MSRS/KVM_SET_MSRS, KVM_GET_MSR_INDEX_LIST.
 *
 * Unicorn can't hook RDMSR/WRMSR, and QEMU answers unknown MSRs with 0
 * where KVM injects #GP. So both are stopped before they run (as I/O is,
 * cpu.c) and carried out here: the MSRs below with KVM's checks
 * (arch/x86/kvm/x86.c kvm_set_msr_common/kvm_get_msr_common, set_efer,
 * __kvm_valid_efer, kvm_pat_valid), their values kept by the engine where
 * it has them (QEMU's helper_rdmsr/wrmsr through UC_X86_REG_MSR). An index
 * in no range KVM uses: #GP, and KVM_GET/SET_MSRS stop there, as on KVM.
 * Any other MSR not in the table: KVM_GET/SET_MSRS stop there; a guest
 * access fails with KVM_EXIT_INTERNAL_ERROR and a diagnostic, since KVM
 * may well know it.
 */
#include "kvmemu.h"

#include <errno.h>
#include <string.h>

enum {
	MSR_TSC = 0x10, MSR_APIC_BASE = 0x1b, MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175,
	MSR_SYSENTER_EIP = 0x176, MSR_MISC_ENABLE = 0x1a0, MSR_PAT = 0x277,
	MSR_EFER = 0xc0000080, MSR_STAR = 0xc0000081, MSR_LSTAR = 0xc0000082,
	MSR_CSTAR = 0xc0000083, MSR_SFMASK = 0xc0000084, MSR_FS_BASE = 0xc0000100,
	MSR_GS_BASE = 0xc0000101, MSR_KERNEL_GS_BASE = 0xc0000102,
	MSR_MTRRcap = 0xfe, MSR_MCG_CAP = 0x179, MSR_MCG_STATUS = 0x17a, MSR_UCODE_REV = 0x8b,
	MSR_MTRRdefType = 0x2ff,
	MSR_KVM_PV = 0x4b564d00, MSR_KVM_PV_LAST = 0x4b564d08,   /* WALL_CLOCK_NEW .. MIGRATION_CONTROL */
	MSR_KVM_WALL_CLOCK_NEW = 0x4b564d00, MSR_KVM_ASYNC_PF_INT = 0x4b564d06,
	MSR_KVM_POLL_CONTROL = 0x4b564d05,
};

/* What KVM_GET_MSR_INDEX_LIST reports: those of msrs_to_save and
 * emulated_msrs (x86.c) implemented here. EFER, FS/GS base and the APIC
 * base aren't in KVM's list (user space sets them with KVM_SET_SREGS) but
 * KVM_GET/SET_MSRS take them. */
static const uint32_t index_list[] = {
	MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_STAR, MSR_CSTAR,
	MSR_KERNEL_GS_BASE, MSR_SFMASK, MSR_LSTAR, MSR_TSC, MSR_PAT, MSR_MISC_ENABLE,
};

/* The MSRs implemented here. */
static const uint32_t msr_list[] = {
	MSR_TSC, MSR_APIC_BASE, MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
	MSR_MISC_ENABLE, MSR_PAT, MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_MTRRcap, MSR_MTRRdefType,
	MSR_MCG_CAP, MSR_MCG_STATUS, MSR_UCODE_REV,
};


/* Could KVM know this MSR? Its MSRs (x86.c msrs_to_save, emulated_msrs,
 * kvm_get/set_msr_common, the PMU's, Hyper-V's and its own paravirtual
 * ones) all lie in these ranges; an index outside them is #GP on KVM. */
static bool kvm_may_know(uint32_t index)
{
	return index <= 0x1fff || (index >= 0x40000000 && index <= 0x400001ff) ||
	       (index >= 0x4b564d00 && index <= 0x4b564dff) ||
	       (index >= 0xc0000000 && index <= 0xc0001fff) ||
	       (index >= 0xc0010000 && index <= 0xc001ffff);
}

bool msr_known(uint32_t index)
{
	if (index >= MSR_KVM_PV && index <= MSR_KVM_PV_LAST)
		return true;
	for (size_t i = 0; i < sizeof msr_list / sizeof msr_list[0]; i++)
		if (msr_list[i] == index)
			return true;
	return false;
}

static uint64_t engine_get(struct cpu *c, uint32_t index)
{
	uc_x86_msr m = { .rid = index };
	uc.reg_read(c->uc, UC_X86_REG_MSR, &m);
	return m.value;
}

static void engine_set(struct cpu *c, uint32_t index, uint64_t val)
{
	uc_x86_msr m = { .rid = index, .value = val };
	uc.reg_write(c->uc, UC_X86_REG_MSR, &m);
}

/* kvm_pat_valid: every byte a valid memory type (0, 1, 4, 5, 6, 7). */
static bool pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = pat >> (8 * i) & 0xff;
		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

/* KVM's paravirtual MSRs (Documentation/virt/kvm/x86/msr.rst). Writing one
 * that enables a feature makes KVM write guest memory (the wall clock, the
 * pvclock, steal time) or change how it delivers events: not emulated. A
 * value that leaves the feature off (bit 0 clear), POLL_CONTROL and the
 * async-PF vector are only stored, as KVM stores them. */
static int kvm_pv_set(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	bool off = !(val & 1) && index != MSR_KVM_WALL_CLOCK_NEW;
	if (!host && !off && index != MSR_KVM_POLL_CONTROL && index != MSR_KVM_ASYNC_PF_INT)
		return -1;
	v->cpu.kvm_pv[index - MSR_KVM_PV] = val;
	return 0;
}

/* 0, or 1 when KVM refuses it (#GP for the guest, a short count for
 * KVM_GET/SET_MSRS); -1 when it isn't implemented here. */
int msr_get(struct vcpu *v, uint32_t index, uint64_t *val)
{
	struct cpu *c = &v->cpu;
	switch (index) {
	case MSR_EFER:
		*val = cpu_env(c)->efer;
		return 0;
	case MSR_APIC_BASE:
		*val = c->apic_base;
		return 0;
	case MSR_MISC_ENABLE:
		*val = c->misc_enable;
		return 0;
	case MSR_PAT:
		*val = c->pat;
		return 0;
	case MSR_MTRRcap:           /* mtrr.c: SMRR 0, WC 1, FIX 1, VCNT = KVM_NR_VAR_MTRR (8) */
		*val = 0x500 | 8;
		return 0;
	case MSR_MTRRdefType:
		*val = c->mtrr_def_type;
		return 0;
	case MSR_MCG_CAP:
		*val = c->mcg_cap;
		return 0;
	case MSR_MCG_STATUS:
		*val = c->mcg_status;
		return 0;
	case MSR_UCODE_REV:
		*val = c->ucode_rev;
		return 0;
	default:
		if (index >= MSR_KVM_PV && index <= MSR_KVM_PV_LAST) {
			*val = c->kvm_pv[index - MSR_KVM_PV];   /* kvm_get_msr_common */
			return 0;
		}
		if (!msr_known(index))
			return kvm_may_know(index) ? -1 : 1;
		*val = engine_get(c, index);
		return 0;
	}
}

int msr_set(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	struct cpu *c = &v->cpu;
	switch (index) {
	case MSR_EFER: {                               /* set_efer */
		uint64_t old = cpu_env(c)->efer;
		if (val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
			return 1;
		if (!host) {
			if ((val & (EFER_LME | EFER_LMA)) && !cpuid_has(v, 0x80000001, 3, 29))
				return 1;                  /* no CPUID.LM */
			if ((val & EFER_NXE) && !cpuid_has(v, 0x80000001, 3, 20))
				return 1;
			if ((reg_get(c, UC_X86_REG_CR0) & CR0_PG) && ((old ^ val) & EFER_LME))
				return 1;
		}
		val = (val & ~EFER_LMA) | (old & EFER_LMA);
		c->env.efer = val;
		env_store(c);
		return 0;
	}
	case MSR_APIC_BASE:
		if (val & (~0ull << MAXPHYADDR | 0x2ff | 1ull << 10))
			return 1;
		c->apic_base = val;
		return 0;
	case MSR_MISC_ENABLE:
		if (!host && val != c->misc_enable)
			return -1;                     /* KVM's rules for the guest: not emulated */
		c->misc_enable = val;
		return 0;
	case MSR_PAT:
		if (!pat_valid(val))
			return 1;
		c->pat = val;
		return 0;
	case MSR_MTRRcap:
		return 1;                              /* read-only (kvm_mtrr_valid) */
	case MSR_MTRRdefType: {                        /* kvm_mtrr_valid: E, FE, a valid type */
		uint8_t t = val & 0xff;
		if ((val & ~0xcffull) || t == 2 || t == 3 || t > 6)
			return 1;
		c->mtrr_def_type = val;
		return 0;
	}
	case MSR_MCG_CAP:
		if (!host)
			return -1;                     /* set_msr_mce's rules for the guest */
		c->mcg_cap = val;
		return 0;
	case MSR_MCG_STATUS:
		c->mcg_status = val;
		return 0;
	case MSR_UCODE_REV:          /* kvm_set_msr_common: the guest's write is ignored */
		if (host)
			c->ucode_rev = val;
		return 0;
	case MSR_LSTAR: case MSR_CSTAR: case MSR_FS_BASE: case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE: case MSR_SYSENTER_ESP: case MSR_SYSENTER_EIP:
		if (!x86_canonical(val))
			return 1;
		engine_set(c, index, val);
		c->env.valid = false;                  /* FS/GS base live in the segment cache */
		return 0;
	default:
		if (index >= MSR_KVM_PV && index <= MSR_KVM_PV_LAST)
			return kvm_pv_set(v, index, val, host);
		if (!msr_known(index))
			return kvm_may_know(index) ? -1 : 1;
		engine_set(c, index, val);
		return 0;
	}
}

/* The guest's RDMSR (write = false) or WRMSR at linear lip, len bytes,
 * stopped before it ran. 1 = exit to user space, 0 = keep running. */
int msr_insn(struct vcpu *v, uint64_t lip, uint32_t len, bool write)
{
	struct cpu *c = &v->cpu;
	if (cpu_env(c)->hflags & HF_CPL_MASK)          /* CPL > 0 */
		return event_inject(v, event_exception(X86_GP, 0));
	uint32_t index = (uint32_t)reg_get(c, UC_X86_REG_RCX);
	uint64_t val = 0;
	int r;
	if (write) {
		val = (reg_get(c, UC_X86_REG_RDX) << 32) | (uint32_t)reg_get(c, UC_X86_REG_RAX);
		r = msr_set(v, index, val, false);
	} else {
		r = msr_get(v, index, &val);
	}
	if (r < 0) {
		kvmemu_diag("guest %s of MSR 0x%x is not emulated: KVM_EXIT_INTERNAL_ERROR",
			    write ? "WRMSR" : "RDMSR", index);
		cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
		return 1;
	}
	if (r > 0)
		return event_inject(v, event_exception(X86_GP, 0));     /* kvm_inject_gp */
	if (!write) {
		reg_set(c, UC_X86_REG_RAX, (uint32_t)val);
		reg_set(c, UC_X86_REG_RDX, val >> 32);
	}
	cpu_set_lip(c, lip + len);
	return 0;
}

/* RDMSR (0f 32) or WRMSR (0f 30) after prefixes: 1 / 2, else 0. */
int msr_opcode(const uint8_t *p, uint32_t len)
{
	uint32_t i = 0;
	while (i < len && (p[i] == 0x66 || p[i] == 0x67 || p[i] == 0xf2 || p[i] == 0xf3 ||
			   p[i] == 0x26 || p[i] == 0x2e || p[i] == 0x36 || p[i] == 0x3e ||
			   p[i] == 0x64 || p[i] == 0x65 || (p[i] & 0xf0) == 0x40))
		i++;
	if (i + 2 != len || p[i] != 0x0f)
		return 0;
	return p[i + 1] == 0x32 ? 1 : p[i + 1] == 0x30 ? 2 : 0;
}

/* KVM_GET_MSRS / KVM_SET_MSRS (msr_io): the number of entries done, up to
 * the first one refused. */
int msr_ioctl(struct vcpu *v, struct kvm_msrs *m, bool set)
{
	if (m->nmsrs >= 0x1000)                        /* MAX_IO_MSRS */
		return -E2BIG;
	uint32_t i;
	for (i = 0; i < m->nmsrs; i++) {
		struct kvm_msr_entry *e = &m->entries[i];
		uint64_t val = e->data;
		int r = set ? msr_set(v, e->index, val, true) : msr_get(v, e->index, &val);
		if (!set && r == 0)
			e->data = val;
		if (r != 0)
			break;
	}
	return (int)i;
}

/* KVM_GET_MSR_INDEX_LIST: E2BIG (with nmsrs set) when the array is short. */
int msr_index_list(struct kvm_msr_list *l)
{
	uint32_t n = l->nmsrs, have = sizeof index_list / sizeof index_list[0];
	l->nmsrs = have;
	if (n < have)
		return -E2BIG;
	memcpy(l->indices, index_list, sizeof index_list);
	return 0;
}

/* SYSCALL (SDM vol. 2, SYSCALL), stopped by its Unicorn hook: Unicorn's
 * helper only calls hooks and skips the instruction, so the CPU's work is
 * done here from EFER, STAR, LSTAR, CSTAR and SFMASK. lip: the instruction
 * (2 bytes). 1 = exit to user space, 0 = keep running. */
int syscall_insn(struct vcpu *v, uint64_t lip)
{
	struct cpu *c = &v->cpu;
	cpu_set_lip(c, lip);
	const struct env *e = cpu_env(c);
	if (!(e->efer & EFER_SCE))
		return event_inject(v, event_exception(X86_UD, 0));
	uint64_t star = engine_get(c, MSR_STAR), next = reg_get(c, UC_X86_REG_RIP) + 2;
	uint64_t fl = reg_get(c, UC_X86_REG_RFLAGS);
	bool lma = e->efer & EFER_LMA, cs64 = e->hflags & HF_CS64;
	uint16_t sel = (uint16_t)(star >> 32) & 0xfffc;
	/* Flat CS (L in long mode, else D) and SS, DPL 0, as the CPU loads them. */
	c->env.seg[SEG_CS] = (struct segcache){ .selector = sel, .limit = 0xffffffff,
		.flags = DESC_G | DESC_P | DESC_S | (0xbu << 8) | (lma ? DESC_L : DESC_DB) };
	c->env.seg[SEG_SS] = (struct segcache){ .selector = (uint16_t)(sel + 8), .limit = 0xffffffff,
		.flags = DESC_G | DESC_DB | DESC_P | DESC_S | (0x3u << 8) };
	reg_set(c, UC_X86_REG_RCX, lma ? next : (uint32_t)next);
	if (lma) {
		reg_set(c, UC_X86_REG_R11, fl & ~RFL_RF);
		reg_set(c, UC_X86_REG_RFLAGS, (fl & ~engine_get(c, MSR_SFMASK) & ~RFL_RF) | RFL_FIXED);
	} else {
		reg_set(c, UC_X86_REG_RFLAGS, fl & ~(RFL_VM | RFL_IF | RFL_RF));
	}
	env_store(c);
	reg_set(c, UC_X86_REG_RIP, !lma ? (uint32_t)star :
			       engine_get(c, cs64 ? MSR_LSTAR : MSR_CSTAR));
	return 0;
}
