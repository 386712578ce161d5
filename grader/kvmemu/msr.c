/*
 * msr.c - model-specific registers as KVM handles them: the guest's RDMSR
 * and WRMSR, KVM_GET_MSRS/KVM_SET_MSRS, KVM_GET_MSR_INDEX_LIST.
 *
 * Unicorn can't hook RDMSR/WRMSR, and QEMU answers unknown MSRs with 0
 * where KVM injects #GP. So both are stopped before they run (as I/O is,
 * cpu.c) and carried out here, from one table: each row is a range of
 * indices, the functions that read and write it, and the kernel function
 * whose behaviour they copy (Linux 6.1, the oracle's: arch/x86/kvm/x86.c
 * kvm_get_msr_common/kvm_set_msr_common, mtrr.c, svm/svm.c). Values live
 * in struct cpu, or in the engine where QEMU has them (helper_rdmsr/wrmsr
 * through UC_X86_REG_MSR).
 *
 * An MSR in no row is what KVM does with one it doesn't know
 * (KVM_MSR_RET_INVALID, kvm_msr_ignored_check with ignore_msrs=0, the
 * module's default): #GP for the guest, and KVM_GET/SET_MSRS stop there.
 * One in a range KVM answers from (the PMU, Hyper-V, ...) gets a
 * diagnostic the first time: KVM may answer it where kvmemu gives #GP.
 */
#include "kvmemu.h"

#include <errno.h>
#include <string.h>

enum {
	MSR_TSC = 0x10, MSR_APIC_BASE = 0x1b, MSR_UCODE_REV = 0x8b, MSR_MTRRcap = 0xfe,
	MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175, MSR_SYSENTER_EIP = 0x176,
	MSR_MCG_CAP = 0x179, MSR_MCG_STATUS = 0x17a, MSR_MCG_CTL = 0x17b,
	MSR_MISC_ENABLE = 0x1a0, MSR_MTRR_VAR = 0x200, MSR_MTRR_VAR_LAST = 0x20f,
	MSR_MTRRfix64K = 0x250, MSR_MTRRfix16K = 0x258, MSR_MTRRfix16K_A = 0x259,
	MSR_MTRRfix4K = 0x268, MSR_MTRRfix4K_LAST = 0x26f, MSR_PAT = 0x277,
	MSR_MC0_CTL2 = 0x280, MSR_MTRRdefType = 0x2ff, MSR_MC0_CTL = 0x400,
	MSR_EFER = 0xc0000080, MSR_STAR = 0xc0000081, MSR_LSTAR = 0xc0000082,
	MSR_CSTAR = 0xc0000083, MSR_SFMASK = 0xc0000084, MSR_FS_BASE = 0xc0000100,
	MSR_GS_BASE = 0xc0000101, MSR_KERNEL_GS_BASE = 0xc0000102,
	MSR_K7_HWCR = 0xc0010015, MSR_VM_HSAVE_PA = 0xc0010117, MSR_DE_CFG = 0xc0011029,
	MSR_KVM_PV = 0x4b564d00, MSR_KVM_PV_LAST = 0x4b564d08,   /* WALL_CLOCK_NEW .. MIGRATION_CONTROL */
	MSR_KVM_WALL_CLOCK_NEW = 0x4b564d00, MSR_KVM_ASYNC_PF_INT = 0x4b564d06,
	MSR_KVM_POLL_CONTROL = 0x4b564d05,
	MSR_P6_PERFCTR0 = 0xc1, MSR_P6_PERFCTR1 = 0xc2, MSR_P6_EVNTSEL0 = 0x186,
	MSR_P6_EVNTSEL1 = 0x187, MSR_K7_EVNTSEL0 = 0xc0010000, MSR_K7_PERFCTR3 = 0xc0010007,
};

/* KVM_MAX_MCE_BANKS (kvm_host.h): the banks a vCPU has from
 * kvm_arch_vcpu_create (mcg_cap = 32) until KVM_X86_SETUP_MCE. */
#define MCE_BANKS 32
#define MCG_CTL_P (1ull << 8)
#define MCG_CMCI_P (1ull << 10)

/* What KVM_GET_MSR_INDEX_LIST reports: those of msrs_to_save and
 * emulated_msrs (x86.c) implemented here. EFER, FS/GS base and the APIC
 * base aren't in KVM's list (user space sets them with KVM_SET_SREGS) but
 * KVM_GET/SET_MSRS take them. */
static const uint32_t index_list[] = {
	MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_STAR, MSR_CSTAR,
	MSR_KERNEL_GS_BASE, MSR_SFMASK, MSR_LSTAR, MSR_TSC, MSR_PAT, MSR_MISC_ENABLE,
};

/* Could KVM know this MSR? Its MSRs (x86.c msrs_to_save, emulated_msrs,
 * kvm_get/set_msr_common, the PMU's, Hyper-V's and its own paravirtual
 * ones) all lie in these ranges. */
static bool kvm_may_know(uint32_t index)
{
	return index <= 0x1fff || (index >= 0x40000000 && index <= 0x400001ff) ||
	       (index >= 0x4b564d00 && index <= 0x4b564dff) ||
	       (index >= 0xc0000000 && index <= 0xc0001fff) ||
	       (index >= 0xc0010000 && index <= 0xc001ffff);
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

/* Each row's functions: 0 done, 1 refused (#GP for the guest, a short
 * count for KVM_GET/SET_MSRS), -1 not emulated here. */
typedef int get_fn(struct vcpu *v, uint32_t index, uint64_t *val, bool host);
typedef int set_fn(struct vcpu *v, uint32_t index, uint64_t val, bool host);

/* ---- kept by the engine ---- */

static int get_engine(struct vcpu *v, uint32_t index, uint64_t *val, bool host)
{
	(void)host;
	*val = engine_get(&v->cpu, index);
	return 0;
}

static int set_engine(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	(void)host;
	engine_set(&v->cpu, index, val);
	return 0;
}

/* LSTAR, CSTAR, FS/GS bases, SYSENTER_ESP/EIP: a non-canonical address is
 * refused (kvm_set_msr_common -> __kvm_set_msr's is_noncanonical_address). */
static int set_canonical(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	(void)host;
	if (!x86_canonical(val))
		return 1;
	engine_set(&v->cpu, index, val);
	v->cpu.env.valid = false;                  /* FS/GS base live in the segment cache */
	return 0;
}

/* ---- the TSC ----
 * KVM's guest TSC runs at a fixed rate in step with its timers: both
 * follow the host's clock (kvm_read_l1_tsc; the LAPIC timer and the PIT
 * are hrtimers). QEMU's RDTSC reads the host's TSC, in step with nothing
 * kvmemu emulates, and Unicorn can't hook it. So RDTSC is stopped before it
 * runs (as RDMSR is) and answered here from the VM's clock (irq_now:
 * virtual or wall), at 1 GHz: the rate lapic.c's TSC-deadline timer and
 * KVM_GET_TSC_KHZ use. A guest then calibrates its TSC against the PIT or
 * the LAPIC timer and finds 1 GHz, on either clock. */

static uint64_t guest_tsc(struct vcpu *v)
{
	return irq_now(v->vm) + v->cpu.tsc_offset;
}

static int get_tsc(struct vcpu *v, uint32_t index, uint64_t *val, bool host)
{
	(void)index; (void)host;
	*val = guest_tsc(v);
	return 0;
}

/* kvm_set_msr_common MSR_IA32_TSC: the guest's write moves its TSC by an
 * offset (the host's, kvm_synchronize_tsc, sets it: the same here). */
static int set_tsc(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	(void)index; (void)host;
	v->cpu.tsc_offset = val - irq_now(v->vm);
	return 0;
}

/* RDTSC at linear lip, len bytes, stopped before it ran: #GP at CPL > 0
 * with CR4.TSD (SDM vol. 2, RDTSC), else EDX:EAX = the guest's TSC.
 * 1 = exit to user space, 0 = keep running. */
int rdtsc_insn(struct vcpu *v, uint64_t lip, uint32_t len)
{
	struct cpu *c = &v->cpu;
	if ((cpu_env(c)->hflags & HF_CPL_MASK) && (reg_get(c, UC_X86_REG_CR4) & CR4_TSD))
		return event_inject(v, event_exception(X86_GP, 0));
	uint64_t t = guest_tsc(v);
	reg_set(c, UC_X86_REG_RAX, (uint32_t)t);
	reg_set(c, UC_X86_REG_RDX, t >> 32);
	cpu_set_lip(c, lip + len);
	return 0;
}

/* RDTSC met by an instruction hook (a hot site, cpu.c), inside the run:
 * answered there, and the engine goes on after it (a RIP written from a hook
 * makes Unicorn start a new block without ending uc_emu_start), as KVM runs
 * RDTSC without an exit. Ending the run instead costs Unicorn's end-of-run
 * walk of all the engine's exits (resume_all_vcpus): with the ~12,500 of a
 * Linux boot, its udelay loops (an RDTSC every 50 bytes of code) took hours.
 * false: not done here (CR4.TSD may mean #GP; an IP that might wrap, or in
 * code between 64 KiB and 4 GiB, where the mode isn't known here): the
 * caller stops as for any other site. */
bool rdtsc_hooked(struct vcpu *v, uint32_t len)
{
	struct cpu *c = &v->cpu;
	uint64_t rip = reg_get(c, UC_X86_REG_RIP);
	/* A RIP past 4 GiB is 64-bit code's; below 64 KiB no mode wraps. */
	if ((reg_get(c, UC_X86_REG_CR4) & CR4_TSD) || (rip + len > 0xffff && rip >> 32 == 0))
		return false;
	uint64_t t = guest_tsc(v);
	reg_set(c, UC_X86_REG_RAX, (uint32_t)t);
	reg_set(c, UC_X86_REG_RDX, t >> 32);
	reg_set(c, UC_X86_REG_RIP, rip + len);
	return true;
}

/* ---- the architectural ones KVM keeps itself ---- */

static int get_efer(struct vcpu *v, uint32_t index, uint64_t *val, bool host)
{
	(void)index; (void)host;
	*val = cpu_env(&v->cpu)->efer;
	return 0;
}

/* set_efer, __kvm_valid_efer */
static int set_efer(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	(void)index;
	struct cpu *c = &v->cpu;
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

static int get_apic_base(struct vcpu *v, uint32_t index, uint64_t *val, bool host)
{
	(void)index; (void)host;
	*val = v->cpu.apic_base;
	return 0;
}

/* kvm_set_apic_base: reserved bits, x2APIC (bit 10) unsupported. */
static int set_apic_base(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	(void)index; (void)host;
	if (val & (~0ull << cpuid_maxphyaddr(v) | 0x2ff | 1ull << 10))
		return 1;
	v->cpu.apic_base = val;
	return 0;
}

static int get_misc_enable(struct vcpu *v, uint32_t index, uint64_t *val, bool host)
{
	(void)index; (void)host;
	*val = v->cpu.misc_enable;
	return 0;
}

static int set_misc_enable(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	(void)index;
	if (!host && val != v->cpu.misc_enable)
		return -1;                     /* KVM's rules for the guest: not emulated */
	v->cpu.misc_enable = val;
	return 0;
}

/* kvm_get_msr_common MSR_IA32_UCODE_REV: microcode_version. */
static int get_ucode(struct vcpu *v, uint32_t index, uint64_t *val, bool host)
{
	(void)index; (void)host;
	*val = v->cpu.ucode_rev;
	return 0;
}

/* kvm_set_msr_common MSR_IA32_UCODE_REV: the host's write sets it, the
 * guest's is ignored. */
static int set_ucode(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	(void)index;
	if (host)
		v->cpu.ucode_rev = val;
	return 0;
}

/* ---- MTRRs and PAT (mtrr.c) ---- */

/* valid_mtrr_type: UC, WC, WT, WP, WB (0, 1, 4, 5, 6). */
static bool mtrr_type_ok(uint64_t t)
{
	return t < 8 && ((1u << t) & 0x73);
}

/* The fixed-range MSR's slot (fixed_msr_to_range_index's order), or -1. */
static int mtrr_fixed_slot(uint32_t index)
{
	if (index == MSR_MTRRfix64K)
		return 0;
	if (index == MSR_MTRRfix16K || index == MSR_MTRRfix16K_A)
		return 1 + (int)(index - MSR_MTRRfix16K);
	if (index >= MSR_MTRRfix4K && index <= MSR_MTRRfix4K_LAST)
		return 3 + (int)(index - MSR_MTRRfix4K);
	return -1;
}

/* kvm_mtrr_get_msr: MTRRcap is SMRR 0, WC 1, FIX 1, VCNT KVM_NR_VAR_MTRR
 * (8); 0x200-0x2ff other than the MTRRs (msr_mtrr_valid) are refused. */
static int get_mtrr(struct vcpu *v, uint32_t index, uint64_t *val, bool host)
{
	(void)host;
	struct cpu *c = &v->cpu;
	int f = mtrr_fixed_slot(index);
	if (index == MSR_MTRRcap)
		*val = 0x500 | 8;
	else if (f >= 0)
		*val = c->mtrr_fixed[f];
	else if (index == MSR_MTRRdefType)
		*val = c->mtrr_def_type;
	else if (index == MSR_PAT)
		*val = c->pat;
	else if (index >= MSR_MTRR_VAR && index <= MSR_MTRR_VAR_LAST)
		*val = c->mtrr_var[index - MSR_MTRR_VAR];
	else
		return 1;
	return 0;
}

/* kvm_mtrr_set_msr -> kvm_mtrr_valid (PAT: kvm_pat_valid, every byte a
 * valid PAT type 0, 1, 4-7); MTRRcap is read-only (no case in
 * kvm_set_msr_common: #GP). A variable MTRR's base has bits 8-11 and those
 * past MAXPHYADDR reserved, its mask bits 0-10 and those past it. */
static int set_mtrr(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	(void)host;
	struct cpu *c = &v->cpu;
	int f = mtrr_fixed_slot(index);
	uint64_t rsvd = ~0ull << cpuid_maxphyaddr(v);
	if (f >= 0) {
		for (int i = 0; i < 8; i++)
			if (!mtrr_type_ok(val >> (8 * i) & 0xff))
				return 1;
		c->mtrr_fixed[f] = val;
	} else if (index == MSR_MTRRdefType) {
		if ((val & ~0xcffull) || !mtrr_type_ok(val & 0xff))
			return 1;
		c->mtrr_def_type = val;
	} else if (index == MSR_PAT) {
		for (int i = 0; i < 8; i++) {
			uint8_t t = val >> (8 * i) & 0xff;
			if (t > 7 || t == 2 || t == 3)
				return 1;
		}
		c->pat = val;
	} else if (index >= MSR_MTRR_VAR && index <= MSR_MTRR_VAR_LAST) {
		bool mask = index & 1;
		if (!mask && !mtrr_type_ok(val & 0xff))
			return 1;
		if (val & (rsvd | (mask ? 0x7ffull : 0xf00ull)))
			return 1;
		c->mtrr_var[index - MSR_MTRR_VAR] = val;
	} else {
		return 1;
	}
	return 0;
}

/* ---- machine check (x86.c get_msr_mce, set_msr_mce) ----
 * mcg_cap is KVM_MAX_MCE_BANKS with no MCG_CTL_P or MCG_CMCI_P until
 * KVM_X86_SETUP_MCE (not implemented): 32 banks of CTL/STATUS/ADDR/MISC at
 * 0x400-0x47f, all 0 (kcalloc), and CTL2 at 0x280-0x29f. */

static int get_mce(struct vcpu *v, uint32_t index, uint64_t *val, bool host)
{
	struct cpu *c = &v->cpu;
	uint32_t banks = c->mcg_cap & 0xff;
	if (index == MSR_MCG_CAP) {
		*val = c->mcg_cap;
	} else if (index == MSR_MCG_STATUS) {
		*val = c->mcg_status;
	} else if (index == MSR_MCG_CTL) {
		if (!(c->mcg_cap & MCG_CTL_P) && !host)
			return 1;
		*val = c->mcg_ctl;
	} else if (index >= MSR_MC0_CTL2 && index < MSR_MC0_CTL2 + MCE_BANKS) {
		if (index >= MSR_MC0_CTL2 + banks || (!(c->mcg_cap & MCG_CMCI_P) && !host))
			return 1;
		*val = c->mci_ctl2[index - MSR_MC0_CTL2];
	} else {                                       /* MCi_CTL/STATUS/ADDR/MISC */
		if (index >= MSR_MC0_CTL + 4 * banks)
			return 1;
		*val = c->mce_banks[index - MSR_MC0_CTL];
	}
	return 0;
}

/* can_set_mci_status: an AMD (or Hygon) vCPU, by its CPUID leaf 0
 * (guest_cpuid_is_amd_or_hygon), with HWCR.McStatusWrEn (bit 18). */
static bool mci_status_writable(struct vcpu *v)
{
	uint32_t r[4];
	cpuid_lookup(v, 0, 0, r);
	bool amd = r[1] == 0x68747541 && r[3] == 0x69746e65 && r[2] == 0x444d4163;
	bool hygon = r[1] == 0x6f677948 && r[3] == 0x6e65476e && r[2] == 0x656e6975;
	return (amd || hygon) && (v->cpu.hwcr & (1ull << 18));
}

static int set_mce(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	struct cpu *c = &v->cpu;
	uint32_t banks = c->mcg_cap & 0xff;
	if (index == MSR_MCG_CAP) {
		return 1;                              /* no case in kvm_set_msr_common */
	} else if (index == MSR_MCG_STATUS) {
		c->mcg_status = val;
	} else if (index == MSR_MCG_CTL) {
		if (!(c->mcg_cap & MCG_CTL_P) && (val || !host))
			return 1;
		if (val != 0 && val != ~0ull)
			return 1;
		c->mcg_ctl = val;
	} else if (index >= MSR_MC0_CTL2 && index < MSR_MC0_CTL2 + MCE_BANKS) {
		if (index >= MSR_MC0_CTL2 + banks)
			return 1;
		if (!(c->mcg_cap & MCG_CMCI_P) && (val || !host))
			return 1;
		if (val & ~((1ull << 30) | 0x7fffull))    /* CMCI_EN, the threshold */
			return 1;
		c->mci_ctl2[index - MSR_MC0_CTL2] = val;
	} else {
		if (index >= MSR_MC0_CTL + 4 * banks)
			return 1;
		/* MCi_CTL: 0 or all ones (bit 10 may be clear: old kernels'
		 * K8 GART workaround). MCi_STATUS: only 0 from the guest. */
		if ((index & 3) == 0 && val != 0 && (val | (1ull << 10)) != ~0ull)
			return 1;
		if (!host && (index & 3) == 1 && val != 0 && !mci_status_writable(v))
			return 1;
		c->mce_banks[index - MSR_MC0_CTL] = val;
	}
	return 0;
}

/* ---- AMD's ---- */

/* kvm_get_msr_common MSR_K7_HWCR: msr_hwcr (0 at reset). */
static int get_hwcr(struct vcpu *v, uint32_t index, uint64_t *val, bool host)
{
	(void)index; (void)host;
	*val = v->cpu.hwcr;
	return 0;
}

/* kvm_set_msr_common MSR_K7_HWCR: bits 3, 6 and 8 are ignored; only
 * McStatusWrEn (bit 18) alone is kept; 0 changes nothing; anything else
 * is refused. */
static int set_hwcr(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	(void)index; (void)host;
	val &= ~(0x40ull | 0x100ull | 0x8ull);
	if (val == 1ull << 18)
		v->cpu.hwcr = val;
	else if (val != 0)
		return 1;
	return 0;
}

/* svm.c svm_get_msr MSR_F10H_DECFG: msr_decfg (0 at reset). */
static int get_decfg(struct vcpu *v, uint32_t index, uint64_t *val, bool host)
{
	(void)index; (void)host;
	*val = v->cpu.decfg;
	return 0;
}

/* svm.c svm_set_msr MSR_F10H_DECFG: only the bits svm_get_msr_feature
 * supports (LFENCE_SERIALIZE, bit 1, on every host with
 * X86_FEATURE_LFENCE_RDTSC: all AMD CPUs since family 0x10 with SSE2), and
 * the guest may not change them. */
static int set_decfg(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	(void)index;
	const uint64_t supported = 1ull << 1;
	if (val & ~supported)
		return 1;
	if (!host && (val ^ supported))
		return 1;
	v->cpu.decfg = val;
	return 0;
}

/* svm.c svm_get_msr MSR_VM_HSAVE_PA: nested.hsave_msr. */
static int get_hsave(struct vcpu *v, uint32_t index, uint64_t *val, bool host)
{
	(void)index; (void)host;
	*val = v->cpu.hsave_pa;
	return 0;
}

/* svm.c svm_set_msr MSR_VM_HSAVE_PA: the guest's must be a page-aligned
 * legal address (page_address_valid); kept page-aligned. */
static int set_hsave(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	(void)index;
	if (!host && ((val & 0xfff) || (val >> cpuid_maxphyaddr(v))))
		return 1;
	v->cpu.hsave_pa = val & ~0xfffull;
	return 0;
}

/* ---- the legacy performance counters, without a vPMU ----
 * kvmemu has no PMU (CPUID leaf 0xA is 0, no PERFCTR_CORE), so
 * kvm_pmu_is_valid_msr is false for them and KVM reads 0 and drops writes
 * (x86.c kvm_get_msr_common/kvm_set_msr_common, the K7_EVNTSEL0 ...
 * P6_EVNTSEL1 cases): no #GP. Linux probes 0xc0010000 at boot. */
static int get_no_pmu(struct vcpu *v, uint32_t index, uint64_t *val, bool host)
{
	(void)v; (void)index; (void)host;
	*val = 0;
	return 0;
}

static int set_no_pmu(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	(void)v; (void)index; (void)val; (void)host;
	return 0;
}

/* ---- KVM's paravirtual MSRs (Documentation/virt/kvm/x86/msr.rst) ----
 * Writing one that enables a feature makes KVM write guest memory (the
 * wall clock, the pvclock, steal time) or change how it delivers events:
 * not emulated. A value that leaves the feature off (bit 0 clear),
 * POLL_CONTROL and the async-PF vector are only stored, as KVM stores
 * them (kvm_set_msr_common). */
static int get_kvm_pv(struct vcpu *v, uint32_t index, uint64_t *val, bool host)
{
	(void)host;
	*val = v->cpu.kvm_pv[index - MSR_KVM_PV];
	return 0;
}

static int set_kvm_pv(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	bool off = !(val & 1) && index != MSR_KVM_WALL_CLOCK_NEW;
	if (!host && !off && index != MSR_KVM_POLL_CONTROL && index != MSR_KVM_ASYNC_PF_INT)
		return -1;
	v->cpu.kvm_pv[index - MSR_KVM_PV] = val;
	return 0;
}

/* The MSRs kvmemu answers, and the function of Linux 6.1's KVM each
 * follows. The first row that holds an index answers it. */
static const struct msr_row {
	uint32_t first, last;
	get_fn *get;
	set_fn *set;
} rows[] = {
	{ MSR_TSC, MSR_TSC, get_tsc, set_tsc },                  /* x86.c MSR_IA32_TSC */
	{ MSR_APIC_BASE, MSR_APIC_BASE, get_apic_base, set_apic_base }, /* kvm_set_apic_base */
	{ MSR_UCODE_REV, MSR_UCODE_REV, get_ucode, set_ucode },  /* x86.c MSR_IA32_UCODE_REV */
	{ MSR_MTRRcap, MSR_MTRRcap, get_mtrr, set_mtrr },        /* mtrr.c kvm_mtrr_get_msr */
	{ MSR_SYSENTER_CS, MSR_SYSENTER_CS, get_engine, set_engine },   /* svm.c svm_set_msr */
	{ MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, get_engine, set_canonical },
	{ MSR_P6_PERFCTR0, MSR_P6_PERFCTR1, get_no_pmu, set_no_pmu },  /* x86.c, no vPMU */
	{ MSR_MCG_CAP, MSR_MCG_CTL, get_mce, set_mce },          /* x86.c get/set_msr_mce */
	{ MSR_P6_EVNTSEL0, MSR_P6_EVNTSEL1, get_no_pmu, set_no_pmu },
	{ MSR_MISC_ENABLE, MSR_MISC_ENABLE, get_misc_enable, set_misc_enable }, /* x86.c */
	{ MSR_MC0_CTL2, MSR_MC0_CTL2 + MCE_BANKS - 1, get_mce, set_mce },  /* get/set_msr_mce */
	{ 0x200, 0x2ff, get_mtrr, set_mtrr },                    /* mtrr.c kvm_mtrr_get/set_msr */
	{ MSR_MC0_CTL, MSR_MC0_CTL + 4 * MCE_BANKS - 1, get_mce, set_mce }, /* get/set_msr_mce */
	{ MSR_EFER, MSR_EFER, get_efer, set_efer },              /* x86.c set_efer */
	{ MSR_STAR, MSR_STAR, get_engine, set_engine },          /* svm.c (VMCB save area) */
	{ MSR_LSTAR, MSR_CSTAR, get_engine, set_canonical },     /* __kvm_set_msr */
	{ MSR_SFMASK, MSR_SFMASK, get_engine, set_engine },
	{ MSR_FS_BASE, MSR_KERNEL_GS_BASE, get_engine, set_canonical },
	{ MSR_K7_EVNTSEL0, MSR_K7_PERFCTR3, get_no_pmu, set_no_pmu },  /* x86.c, no vPMU */
	{ MSR_K7_HWCR, MSR_K7_HWCR, get_hwcr, set_hwcr },        /* x86.c MSR_K7_HWCR */
	{ MSR_VM_HSAVE_PA, MSR_VM_HSAVE_PA, get_hsave, set_hsave }, /* svm.c svm_set_msr */
	{ MSR_DE_CFG, MSR_DE_CFG, get_decfg, set_decfg },        /* svm.c MSR_F10H_DECFG */
	{ MSR_KVM_PV, MSR_KVM_PV_LAST, get_kvm_pv, set_kvm_pv }, /* x86.c kvm_set_msr_common */
};

static const struct msr_row *row_of(uint32_t index)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (index >= rows[i].first && index <= rows[i].last)
			return &rows[i];
	return NULL;
}

/* An MSR in no row: #GP (1), as KVM for one it doesn't know. One KVM may
 * know is named once, so that a guest taking a different path than on
 * KVM is never silent. */
static int unknown(uint32_t index, bool write)
{
	static uint32_t told[64];
	static unsigned ntold;
	if (!kvm_may_know(index))
		return 1;
	for (unsigned i = 0; i < ntold; i++)
		if (told[i] == index)
			return 1;
	if (ntold < sizeof told / sizeof told[0])
		told[ntold++] = index;
	kvmemu_diag("%s of MSR 0x%x: not in kvmemu's table, #GP (KVM may answer it)",
		    write ? "WRMSR" : "RDMSR", index);
	return 1;
}

/* 0, or 1 when KVM refuses it (#GP for the guest, a short count for
 * KVM_GET/SET_MSRS); -1 when it isn't emulated here. */
int msr_get(struct vcpu *v, uint32_t index, uint64_t *val, bool host)
{
	int r = irq_msr(v, index, val, false, host);   /* the in-kernel LAPIC's */
	if (r != -2)
		return r;
	const struct msr_row *row = row_of(index);
	return row ? row->get(v, index, val, host) : unknown(index, false);
}

int msr_set(struct vcpu *v, uint32_t index, uint64_t val, bool host)
{
	int r = irq_msr(v, index, &val, true, host);
	if (r != -2)
		return r;
	const struct msr_row *row = row_of(index);
	return row ? row->set(v, index, val, host) : unknown(index, true);
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
		r = msr_get(v, index, &val, false);
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

/* RDMSR (0f 32), WRMSR (0f 30) or RDTSC (0f 31) after prefixes: 1 / 2 /
 * 3, else 0. */
int msr_opcode(const uint8_t *p, uint32_t len)
{
	uint32_t i = 0;
	while (i < len && (p[i] == 0x66 || p[i] == 0x67 || p[i] == 0xf2 || p[i] == 0xf3 ||
			   p[i] == 0x26 || p[i] == 0x2e || p[i] == 0x36 || p[i] == 0x3e ||
			   p[i] == 0x64 || p[i] == 0x65 || (p[i] & 0xf0) == 0x40))
		i++;
	if (i + 2 != len || p[i] != 0x0f)
		return 0;
	return p[i + 1] == 0x32 ? 1 : p[i + 1] == 0x30 ? 2 : p[i + 1] == 0x31 ? 3 : 0;
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
		int r = set ? msr_set(v, e->index, val, true) : msr_get(v, e->index, &val, true);
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
