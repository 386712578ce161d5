/*
 * cpuid.c - CPUID as KVM does it: the guest sees what KVM_SET_CPUID2 set
 * (nothing set: zeros), KVM_GET_SUPPORTED_CPUID tells what the CPU can do.
 *
 * The guest's CPUID is answered from the vCPU's entries (arch/x86/kvm/
 * cpuid.c kvm_cpuid: an exact (function, index) match, else for an
 * out-of-range function the highest basic leaf on Intel-like vendors, else
 * zeros) — not from Unicorn's model, which would answer without any
 * KVM_SET_CPUID2. The supported set is the engine's own CPU (QEMU's qemu64
 * model): each leaf is read by running CPUID in a scratch engine, plus the
 * hypervisor bit KVM always reports and SMEP/SMAP, which kvmemu enforces
 * (qemu64 lacks them). Not XSAVE: the engine can't run XSAVE/XRSTOR (a guest
 * given XSAVE anyway gets XSETBV/XGETBV; XSAVE itself stops, cr.c). No KVM paravirtual leaves (0x4000xxxx):
 * kvmemu implements none of them.
 */
#include "kvmemu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 256               /* KVM_MAX_CPUID_ENTRIES */

static bool indexed(uint32_t f)
{
	return f == 4 || f == 7 || f == 0xb || f == 0xd || f == 0x8000001d;
}

static const struct kvm_cpuid_entry2 *find(const struct vcpu *v, uint32_t f, uint32_t i)
{
	for (uint32_t k = 0; k < v->ncpuid; k++) {
		const struct kvm_cpuid_entry2 *e = &v->cpuid[k];
		if (e->function == f &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == i))
			return e;
	}
	return NULL;
}

static uint32_t xstate_size(uint64_t xstate_bv, bool compacted);

/* kvm_cpuid (cpuid.c), with get_out_of_range_cpuid_entry. */
void cpuid_lookup(const struct vcpu *v, uint32_t f, uint32_t i, uint32_t out[4])
{
	const struct kvm_cpuid_entry2 *e = find(v, f, i);
	const struct kvm_cpuid_entry2 *basic = find(v, 0, 0);
	if (!e && basic) {
		bool amd = basic->ebx == 0x68747541 && basic->ecx == 0x444d4163 &&
			   basic->edx == 0x69746e65;   /* "AuthenticAMD" */
		bool hygon = basic->ebx == 0x6f677948 && basic->ecx == 0x656e6975 &&
			     basic->edx == 0x6e65476e; /* "HygonGenuine" */
		const struct kvm_cpuid_entry2 *class =
			f >= 0x40000000 && f <= 0x4fffffff ? find(v, f & 0xffffff00, 0) :
			f >= 0xc0000000 ? find(v, 0xc0000000, 0) : find(v, f & 0x80000000, 0);
		if (!amd && !hygon && !(class && f <= class->eax))
			e = find(v, basic->eax, i);
	}
	if (e) {
		out[0] = e->eax;
		out[1] = e->ebx;
		out[2] = e->ecx;
		out[3] = e->edx;
	} else {
		out[0] = out[1] = out[2] = out[3] = 0;
	}
	/* kvm_update_cpuid_runtime: leaf 0xD's EBX is the XSAVE area the
	 * enabled features (XCR0) need, whatever KVM_SET_CPUID2 put there
	 * (index 1: only with XSAVES or XSAVEC; IA32_XSS is 0 here). */
	if (e && e->function == 0xd && e->index == 0)
		out[1] = xstate_size(v->cpu.xcr0, false);
	if (e && e->function == 0xd && e->index == 1 && (e->eax & 0xa))
		out[1] = xstate_size(v->cpu.xcr0, true);
}

static int supported(struct kvm_cpuid_entry2 *e);

/* cpuid_query_maxphyaddr (cpuid.c): the guest's CPUID 0x80000008 EAX[7:0] when
 * its 0x80000000 reaches that leaf, else 36 (also before any KVM_SET_CPUID2). */
int cpuid_maxphyaddr(const struct vcpu *v)
{
	const struct kvm_cpuid_entry2 *e = find(v, 0x80000000, 0);
	if (!e || e->eax < 0x80000008 || !(e = find(v, 0x80000008, 0)))
		return 36;
	int bits = e->eax & 0xff;
	return bits >= 32 && bits <= 52 ? bits : 36;   /* kvmemu's shifts need a sane width */
}

/* Does the guest's CPUID (f, index 0) have bit `bit` of register r
 * (0 eax .. 3 edx)? guest_cpuid_has. With host = true and no KVM_SET_CPUID2
 * yet: does the CPU (KVM_GET_SUPPORTED_CPUID's set) have it? */
bool cpuid_has(const struct vcpu *v, uint32_t f, int r, int bit)
{
	const struct kvm_cpuid_entry2 *e = find(v, f, 0);
	if (!e)
		return false;
	uint32_t regs[4] = { e->eax, e->ebx, e->ecx, e->edx };
	return regs[r] >> bit & 1;
}

static const struct vcpu *host_cpu(void)
{
	static struct vcpu host;              /* the supported set, read once */
	static bool done;
	if (!done) {
		done = true;
		struct kvm_cpuid_entry2 *e = calloc(MAX_ENTRIES, sizeof *e);
		int n = e ? supported(e) : -1;
		if (n > 0) {
			host.cpuid = e;
			host.ncpuid = (uint32_t)n;
		} else {
			free(e);
		}
	}
	return &host;
}

bool cpuid_host_has(uint32_t f, int r, int bit)
{
	return cpuid_has(host_cpu(), f, r, bit);
}

void cpuid_host_leaf(uint32_t f, uint32_t i, uint32_t out[4])
{
	const struct kvm_cpuid_entry2 *e = find(host_cpu(), f, i);
	out[0] = e ? e->eax : 0;
	out[1] = e ? e->ebx : 0;
	out[2] = e ? e->ecx : 0;
	out[3] = e ? e->edx : 0;
}

/* xstate_required_size (arch/x86/kvm/cpuid.c): the XSAVE area for the
 * components in xstate_bv, at the CPU's offsets (standard format) or packed
 * (compacted format, 64-byte aligned where CPUID 0xD.i ECX[1] says). */
static uint32_t xstate_size(uint64_t xstate_bv, bool compacted)
{
	uint32_t size = XSAVE_LEGACY_AND_HEADER;
	for (int i = 2; i < 64; i++) {
		if (!(xstate_bv >> i & 1))
			continue;
		uint32_t r[4];
		cpuid_host_leaf(0xd, (uint32_t)i, r);
		uint32_t off = compacted ? ((r[2] & 2) ? (size + 63) & ~63u : size) : r[1];
		if (off + r[0] > size)
			size = off + r[0];
	}
	return size;
}

/* The CPUID instruction (UC_HOOK_INSN): answered here, then skipped. */
int cpuid_hook(uc_engine *u, void *opaque)
{
	(void)u;
	struct vcpu *v = opaque;
	struct cpu *c = &v->cpu;
	uint32_t out[4];
	uint32_t f = (uint32_t)reg_get(c, UC_X86_REG_RAX);
	cpuid_lookup(v, f, (uint32_t)reg_get(c, UC_X86_REG_RCX), out);
	/* kvm_update_cpuid_runtime: leaf 1's OSXSAVE (ECX bit 27) is CR4.OSXSAVE. */
	if (f == 1 && find(v, 1, 0)) {
		out[2] &= ~(1u << 27);
		if (reg_get(c, UC_X86_REG_CR4) & CR4_OSXSAVE)
			out[2] |= 1u << 27;
	}
	reg_set(c, UC_X86_REG_RAX, out[0]);
	reg_set(c, UC_X86_REG_RBX, out[1]);
	reg_set(c, UC_X86_REG_RCX, out[2]);
	reg_set(c, UC_X86_REG_RDX, out[3]);
	return 1;
}

/* ---- KVM_GET_SUPPORTED_CPUID: the engine's CPU, leaf by leaf ---- */

struct probe {
	uc_engine *uc;
	uint8_t *page;
};

static void probe_leaf(struct probe *p, uint32_t f, uint32_t i, uint32_t out[4])
{
	uint64_t rax = f, rcx = i, rip = 0x1000;
	uc.reg_write(p->uc, UC_X86_REG_RAX, &rax);
	uc.reg_write(p->uc, UC_X86_REG_RCX, &rcx);
	uc.reg_write(p->uc, UC_X86_REG_RIP, &rip);
	uc.emu_start(p->uc, 0x1000, 0x1002, 0, 0);
	const int regs[4] = { UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX };
	for (int k = 0; k < 4; k++) {
		uint64_t x = 0;
		uc.reg_read(p->uc, regs[k], &x);
		out[k] = (uint32_t)x;
	}
}

static int add(struct kvm_cpuid_entry2 *e, uint32_t *n, uint32_t f, uint32_t i, bool idx,
	       const uint32_t r[4])
{
	if (*n >= MAX_ENTRIES)
		return -1;
	e[(*n)++] = (struct kvm_cpuid_entry2){ .function = f, .index = idx ? i : 0,
		.flags = idx ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
		.eax = r[0], .ebx = r[1], .ecx = r[2], .edx = r[3] };
	return 0;
}

static void probe_range(struct probe *p, struct kvm_cpuid_entry2 *e, uint32_t *n, uint32_t base)
{
	uint32_t r[4];
	probe_leaf(p, base, 0, r);
	uint32_t max = r[0];
	if (max < base || max > base + 0x40)
		max = base;
	for (uint32_t f = base; f <= max; f++) {
		if (!indexed(f)) {
			probe_leaf(p, f, 0, r);
			if (f == 1)
				r[2] |= 1u << 31;                   /* X86_FEATURE_HYPERVISOR */
			add(e, n, f, 0, false, r);
			continue;
		}
		for (uint32_t i = 0; i < 64; i++) {
			probe_leaf(p, f, i, r);
			/* SMEP and SMAP: the engine's walk enforces both once
			 * kvmemu sets QEMU's SMAP flag (env.c), STAC/CLAC are
			 * carried out (cr.c); qemu64's CPUID lacks them. */
			if (f == 7 && i == 0)
				r[1] |= 1u << 7 | 1u << 20;
			bool last = (f == 4 || f == 0x8000001d) ? (r[0] & 0x1f) == 0 :
				    f == 0xb ? (r[2] & 0xff00) == 0 :
				    f == 7 ? i >= r[0] : false;
			if (f == 0xd && !(r[0] | r[1] | r[2] | r[3]) && i > 1)
				continue;
			add(e, n, f, i, true, r);
			if (last || (f == 7 && i == 0 && r[0] == 0))
				break;
		}
	}
}

/* All of it into e (MAX_ENTRIES room); the count, or -1. */
static int supported(struct kvm_cpuid_entry2 *e)
{
	struct probe p = { 0 };
	if (uc.open(UC_ARCH_X86, UC_MODE_64, &p.uc) != UC_ERR_OK)
		return -1;
	uc.ctl(p.uc, UC_CTL_WRITE(UC_CTL_TCG_BUFFER_SIZE, 1), (uint32_t)(1u << 20));
	static const uint8_t code[] = { 0x0f, 0xa2, 0xf4 };           /* cpuid; hlt */
	p.page = calloc(1, PAGE_SZ);
	if (!p.page || uc.mem_map_ptr(p.uc, 0x1000, PAGE_SZ, UC_PROT_ALL, p.page) != UC_ERR_OK) {
		free(p.page);
		uc.close(p.uc);
		return -1;
	}
	memcpy(p.page, code, sizeof code);
	uint32_t n = 0;
	probe_range(&p, e, &n, 0);
	probe_range(&p, e, &n, 0x80000000);
	uc.close(p.uc);
	free(p.page);
	return (int)n;
}

/* KVM_GET_SUPPORTED_CPUID (kvm_dev_ioctl_get_cpuid): E2BIG when nent is
 * too small (nent left alone), else the entries and their number. */
int cpuid_get_supported(struct kvm_cpuid2 *c2)
{
	if (c2->nent < 1)
		return -E2BIG;
	struct kvm_cpuid_entry2 *e = calloc(MAX_ENTRIES, sizeof *e);
	if (!e)
		return -ENOMEM;
	int n = supported(e);
	if (n < 0) {
		free(e);
		kvmemu_diag("KVM_GET_SUPPORTED_CPUID: the engine's CPU could not be read");
		return -ENOMEM;
	}
	if (c2->nent < (uint32_t)n) {
		free(e);
		return -E2BIG;
	}
	memcpy(c2->entries, e, (size_t)n * sizeof *e);
	c2->nent = (uint32_t)n;
	free(e);
	return 0;
}

/* KVM_SET_CPUID2: the entries replace the vCPU's (E2BIG past 256). After
 * the first KVM_RUN only an identical set is accepted (kvm_set_cpuid). */
int cpuid_set(struct vcpu *v, const struct kvm_cpuid2 *c2)
{
	if (c2->nent > MAX_ENTRIES)
		return -E2BIG;
	size_t bytes = (size_t)c2->nent * sizeof c2->entries[0];
	if (v->has_run) {
		if (c2->nent != v->ncpuid || memcmp(c2->entries, v->cpuid, bytes) != 0)
			return -EINVAL;
		return 0;
	}
	struct kvm_cpuid_entry2 *e = bytes ? malloc(bytes) : NULL;
	if (bytes && !e)
		return -ENOMEM;
	/* Read the CPU's set now: the guest's CPUID (leaf 0xD's EBX) needs it
	 * inside the engine's hook, where a second engine can't run. */
	host_cpu();
	if (bytes)
		memcpy(e, c2->entries, bytes);
	free(v->cpuid);
	v->cpuid = e;
	v->ncpuid = c2->nent;
	return 0;
}

/* KVM_GET_CPUID2 (kvm_vcpu_ioctl_get_cpuid2): E2BIG when nent is short. */
int cpuid_get(struct vcpu *v, struct kvm_cpuid2 *c2)
{
	if (c2->nent < v->ncpuid)
		return -E2BIG;
	memcpy(c2->entries, v->cpuid, (size_t)v->ncpuid * sizeof c2->entries[0]);
	c2->nent = v->ncpuid;
	return 0;
}
