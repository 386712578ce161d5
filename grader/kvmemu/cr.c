/*
 * cr.c - MOV to CR2, CR3 and CR4, MOV to and from CR8, XSETBV and XGETBV (XCR0),
 * STAC and CLAC, carried out as KVM does.
 *
 * QEMU accepts any CR4 value its CPU model knows and keeps no CR8 without
 * an APIC (reads give 0). KVM checks CR4 against the guest's CPUID and its
 * own reserved bits (arch/x86/kvm/x86.c kvm_set_cr4 -> kvm_is_valid_cr4:
 * #GP(0)), and without an in-kernel APIC keeps CR8 in vcpu->arch.cr8
 * (kvm_set_cr8: bits 63:4 reserved, #GP(0); kvm_get_cr8), the value
 * KVM_GET/SET_SREGS show. CR2 is kept by kvmemu too: Unicorn's end of run
 * can overwrite the engine's (env.c env_after_run). XCR0 is checked against
 * the guest's CPUID leaf 0xD (x86.c __kvm_set_xcr) and decides CPUID 0xD's
 * EBX (cpuid.c). A CR3
 * switch is where dirty logging of the walker's A/D writes changes tables
 * (mmu.c mmu_ad_track). So these instructions are stopped before they run
 * (cpu.c, like I/O and MSR instructions) and done here; those the engine's
 * CPU model lacks arrive as its #UD instead (cr_undefined). MOV from CR4
 * and the other control registers are the engine's (CPL checked there).
 */
#include "kvmemu.h"

enum { CR_NONE, CR_TO_CR2, CR_TO_CR3, CR_TO_CR4, CR_TO_CR8, CR_FROM_CR8, CR_XSETBV, CR_XGETBV };

struct cr_insn {
	int what;
	int gpr;                  /* 0..15: RAX .. R15 */
};

/* Decodes MOV to/from CRn (0f 22 / 0f 20, modrm: reg = CRn, rm = GPR, REX.R
 * and REX.B extend them) from the len bytes at p. */
static struct cr_insn decode(const uint8_t *p, uint32_t len)
{
	struct cr_insn d = { CR_NONE, 0 };
	uint32_t i = 0;
	uint8_t rex = 0;
	while (i < len && (p[i] == 0x66 || p[i] == 0xf2 || p[i] == 0xf3 || p[i] == 0x2e ||
			   p[i] == 0x36 || p[i] == 0x3e || p[i] == 0x26 || p[i] == 0x64 ||
			   p[i] == 0x65 || (p[i] & 0xf0) == 0x40)) {
		rex = (p[i] & 0xf0) == 0x40 ? p[i] : 0;  /* REX counts only last */
		i++;
	}
	if (i + 3 == len && p[i] == 0x0f && p[i + 1] == 0x01 && (p[i + 2] & 0xfe) == 0xd0) {
		d.what = p[i + 2] == 0xd1 ? CR_XSETBV : CR_XGETBV;     /* 0f 01 d1 / d0 */
		return d;
	}
	if (i + 3 != len || p[i] != 0x0f || (p[i + 1] != 0x20 && p[i + 1] != 0x22))
		return d;
	uint8_t modrm = p[i + 2];
	int cr = (modrm >> 3 & 7) | (rex & 4 ? 8 : 0);
	d.gpr = (modrm & 7) | (rex & 1 ? 8 : 0);
	if (p[i + 1] == 0x22 && cr >= 2 && cr <= 4)
		d.what = cr == 2 ? CR_TO_CR2 : cr == 3 ? CR_TO_CR3 : CR_TO_CR4;
	else if (cr == 8)
		d.what = p[i + 1] == 0x22 ? CR_TO_CR8 : CR_FROM_CR8;
	return d;
}

/* __kvm_set_xcr: XCR0 only; x87 always on; AVX needs SSE; only what the
 * guest's CPUID 0xD.0 (EDX:EAX) and the CPU support (kvm_caps.supported_xcr0).
 * The engine's CPU (qemu64) reports no leaf 0xD; the state it does hold is
 * x87's and SSE's, which is kvmemu's supported XCR0 (the XSAVE instructions
 * themselves stop with a diagnostic: cr_undefined). */
#define KVMEMU_XCR0 (XFEATURE_FP | XFEATURE_SSE)
static bool xcr0_valid(struct vcpu *v, uint32_t index, uint64_t val)
{
	uint32_t g[4];
	cpuid_lookup(v, 0xd, 0, g);
	uint64_t supported = ((uint64_t)g[3] << 32 | g[0]) & KVMEMU_XCR0;
	return index == 0 && (val & XFEATURE_FP) && !((val & XFEATURE_YMM) && !(val & XFEATURE_SSE)) &&
	       !(val & ~supported);
}

/* XGETBV: ECX 0 gives XCR0 (ECX 1, XINUSE, needs XSAVE features kvmemu's CPU
 * doesn't offer: #GP, as for any other index). */
static int xgetbv(struct vcpu *v, uint64_t next)
{
	struct cpu *c = &v->cpu;
	if ((uint32_t)reg_get(c, UC_X86_REG_RCX) != 0)
		return event_inject(v, event_exception(X86_GP, 0));
	reg_set(c, UC_X86_REG_RAX, (uint32_t)c->xcr0);
	reg_set(c, UC_X86_REG_RDX, c->xcr0 >> 32);
	cpu_set_lip(c, next);
	return 0;
}

/* ---- instructions the engine's CPU lacks ----
 * Unicorn's CPU model (qemu64) has neither SMAP nor XSAVE: STAC, CLAC,
 * XSETBV, XGETBV and the XSAVE family raise #UD inside the engine
 * (UC_ERR_INSN_INVALID; the code hook before them gets no length, so the
 * block scan's stop can't catch XSETBV either). KVM runs them when the
 * guest's CPUID has the feature. */

/* STAC / CLAC (SDM vol. 2): #UD without CPUID.7.0:EBX.SMAP[20] or at
 * CPL > 0 (protected mode), with a LOCK prefix too; else RFLAGS.AC. */
static int stac_clac(struct vcpu *v, bool stac, bool lock, uint64_t next)
{
	struct cpu *c = &v->cpu;
	bool pe = reg_get(c, UC_X86_REG_CR0) & CR0_PE;
	if (lock || !cpuid_has(v, 7, 1, 20) || (pe && (cpu_env(c)->hflags & HF_CPL_MASK)))
		return event_inject(v, event_exception(X86_UD, 0));
	uint64_t fl = reg_get(c, UC_X86_REG_RFLAGS);
	reg_set(c, UC_X86_REG_RFLAGS, stac ? fl | RFL_AC : fl & ~RFL_AC);
	cpu_set_lip(c, next);
	return 0;
}

/* The XSAVE family's memory forms: 0f ae /4 /5 /6 (XSAVE, XRSTOR,
 * XSAVEOPT), 0f c7 /3 /4 /5 (XRSTORS, XSAVEC, XSAVES). */
static bool xsave_family(const uint8_t *op)
{
	int reg = op[2] >> 3 & 7;
	if ((op[2] >> 6) == 3)
		return false;                 /* mod 3: LFENCE, MFENCE..., not these */
	return (op[1] == 0xae && reg >= 4 && reg <= 6) || (op[1] == 0xc7 && reg >= 3 && reg <= 5);
}

/* The engine raised #UD at RIP: 1 = exit, 0 = carried out (or a fault
 * delivered), -1 = not one of these: the #UD stands. */
int cr_undefined(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	uint64_t lip = cpu_lip(c);
	uint8_t p[15];
	uint32_t n = 0, i = 0;
	bool lock = false;
	while (n < sizeof p && lin_read(v, lip + n, &p[n], 1))
		n++;
	while (i < n && (p[i] == 0x66 || p[i] == 0x67 || p[i] == 0xf0 || p[i] == 0xf2 ||
			 p[i] == 0xf3 || p[i] == 0x2e || p[i] == 0x36 || p[i] == 0x3e ||
			 p[i] == 0x26 || p[i] == 0x64 || p[i] == 0x65 ||
			 (cpu_code_size(c) == 8 && (p[i] & 0xf0) == 0x40))) {
		lock = lock || p[i] == 0xf0;
		i++;
	}
	if (i + 3 > n || p[i] != 0x0f)
		return -1;
	if (p[i + 1] == 0x01 && (p[i + 2] == 0xca || p[i + 2] == 0xcb))
		return stac_clac(v, p[i + 2] == 0xcb, lock, lip + i + 3);
	if (p[i + 1] == 0x01 && (p[i + 2] == 0xd0 || p[i + 2] == 0xd1))
		return cr_insn(v, lip, i + 3);
	if (xsave_family(&p[i]) && (reg_get(c, UC_X86_REG_CR4) & CR4_OSXSAVE)) {
		kvmemu_diag("XSAVE/XRSTOR (at 0x%llx) are not emulated (the engine's CPU has no "
			    "XSAVE): KVM_EXIT_INTERNAL_ERROR", (unsigned long long)lip);
		cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
		return 1;
	}
	return -1;
}

bool cr_opcode(const uint8_t *insn, uint32_t len)
{
	return decode(insn, len).what != CR_NONE;
}

/* The instruction at linear lip, len bytes, stopped before it ran.
 * 1 = exit to user space, 0 = keep running. */
int cr_insn(struct vcpu *v, uint64_t lip, uint32_t len)
{
	struct cpu *c = &v->cpu;
	uint8_t insn[16];
	if (len > sizeof insn || !lin_read(v, lip, insn, len))
		return 0;
	struct cr_insn d = decode(insn, len);
	if ((d.what == CR_XSETBV || d.what == CR_XGETBV) &&
	    !(reg_get(c, UC_X86_REG_CR4) & CR4_OSXSAVE))
		return event_inject(v, event_exception(X86_UD, 0));
	if (d.what == CR_XGETBV)
		return xgetbv(v, lip + len);
	if (cpu_env(c)->hflags & HF_CPL_MASK)
		return event_inject(v, event_exception(X86_GP, 0));
	int reg = cpu_gpr(d.gpr);
	uint64_t val = reg_get(c, reg);
	if (cpu_code_size(c) != 8)
		val = (uint32_t)val;
	switch (d.what) {
	case CR_TO_CR2:
		env_set_cr2(c, val);          /* kvmemu keeps the guest's CR2 (env_after_run) */
		break;
	case CR_TO_CR3: {
		/* kvm_set_cr3: in long mode bits past MAXPHYADDR are reserved
		 * (bit 63 is PCID's no-flush hint). */
		uint64_t addr = (reg_get(c, UC_X86_REG_CR4) & CR4_PCIDE) ? val & ~(1ull << 63) : val;
		if ((cpu_env(c)->efer & EFER_LMA) && (addr & ~0ull << cpuid_maxphyaddr(v)))
			return event_inject(v, event_exception(X86_GP, 0));
		/* Dirty logging of the walker's A/D writes: the old tables' so
		 * far, then the new tables hashed as they are now (mmu.c). */
		mmu_ad_track(v, true);
		reg_set(c, UC_X86_REG_CR3, val);
		mmu_ad_track(v, false);
		break;
	}
	case CR_TO_CR4:
		/* kvm_is_valid_cr4, and kvm_set_cr4: PAE can't go in long mode. */
		if (!cpu_cr4_valid(v, val) ||
		    ((cpu_env(c)->efer & EFER_LMA) && !(val & CR4_PAE)))
			return event_inject(v, event_exception(X86_GP, 0));
		reg_set(c, UC_X86_REG_CR4, val);
		/* Reloaded: the copy taken above has the hflags of before the
		 * write, without those QEMU derives from CR4 (HF_OSFXSR: SSE
		 * was a #UD after Linux set CR4.OSFXSR). */
		c->env.valid = false;
		cpu_env(c);
		env_store(c);                 /* QEMU's HF_SMAP for CR4.SMAP (env.c) */
		if (reg_get(c, UC_X86_REG_CR4) != val) {
			/* QEMU drops a bit its CPU model lacks (OSXSAVE, SMAP:
			 * qemu64 has neither) where KVM, given the CPUID, keeps it. */
			kvmemu_diag("CR4 0x%llx: bits 0x%llx are not emulated: KVM_EXIT_INTERNAL_ERROR",
				    (unsigned long long)val,
				    (unsigned long long)(val ^ reg_get(c, UC_X86_REG_CR4)));
			cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
			return 1;
		}
		break;
	case CR_TO_CR8:
		if (val & ~0xfull)
			return event_inject(v, event_exception(X86_GP, 0));
		c->cr8 = val;
		irq_cr8_set(v, val);          /* the in-kernel LAPIC's TPR */
		break;
	case CR_FROM_CR8:
		reg_set(c, reg, irq_chip(v) ? irq_cr8_get(v) : c->cr8);
		break;
	case CR_XSETBV:
		if (!xcr0_valid(v, (uint32_t)reg_get(c, UC_X86_REG_RCX),
				reg_get(c, UC_X86_REG_RDX) << 32 | (uint32_t)reg_get(c, UC_X86_REG_RAX)))
			return event_inject(v, event_exception(X86_GP, 0));
		c->xcr0 = reg_get(c, UC_X86_REG_RDX) << 32 | (uint32_t)reg_get(c, UC_X86_REG_RAX);
		break;
	default:
		return 0;
	}
	cpu_set_lip(c, lip + len);
	return 0;
}
