/* test_pmode.c - vCPU state beyond real mode: KVM_SET/GET_SREGS exactly and
 * their checks, 64-bit RIP, the ioctl request's width, protected mode entered
 * by the guest or by KVM_SET_SREGS, unreal mode, the IDT, triple faults.
 * Kernel sources cited are arch/x86/kvm/x86.c unless said otherwise. */
#include "tests.h"
#include "check_decl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

CHECK_SUITE("pmode", "pmode", NULL, NULL, 0);

static struct kvm_segment flat(uint16_t sel, int code)
{
	return (struct kvm_segment){ .base = 0, .limit = 0xffffffff, .selector = sel,
				     .type = code ? 11 : 3, .present = 1, .db = 1, .s = 1,
				     .g = 1 };
}

/* Flat 32-bit protected mode set by KVM_SET_SREGS alone (no GDT in memory),
 * as dpw/kvm-hello-world -s does. */
static void flat32(struct vmm *v, struct kvm_sregs *s, uint64_t rip, const char *file, int line)
{
	vmm_get_sregs(v, s, file, line);
	s->cr0 |= 1;
	s->cs = flat(8, 1);
	s->ds = s->es = s->fs = s->gs = s->ss = flat(0x10, 0);
	vmm_set_sregs(v, s, file, line);
	struct kvm_regs r = { .rip = rip, .rflags = 2, .rsp = 0x9000 };
	vmm_set_regs(v, &r, file, line);
}
#define FLAT32(v, s, rip) flat32((v), (s), (rip), __FILE__, __LINE__)

static void want_segment(struct vmm *v, const char *name, const struct kvm_segment *want,
			 const struct kvm_segment *got, const char *file, int line)
{
	static const char *field[] = { "base", "limit", "selector", "type", "present", "dpl",
				       "db", "s", "l", "g", "avl" };
	uint64_t w[] = { want->base, want->limit, want->selector, want->type, want->present,
			 want->dpl, want->db, want->s, want->l, want->g, want->avl };
	uint64_t g[] = { got->base, got->limit, got->selector, got->type, got->present,
			 got->dpl, got->db, got->s, got->l, got->g, got->avl };
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
		char what[64];
		snprintf(what, sizeof what, "sregs.%s.%s", name, field[i]);
		vmm_want_u64(v, what, w[i], g[i], file, line);
	}
}
#define WANT_SEGMENT(v, name, want, got) want_segment((v), (name), (want), (got), __FILE__, __LINE__)

/* Fact 1 (and hidden state): KVM_SET_SREGS with CR0.PE and 32-bit segments
 * that no GDT holds; KVM_GET_SREGS returns all of it, PE included
 * (kvm_arch_vcpu_ioctl_set_sregs -> __set_sregs_common stores each segment's
 * hidden part with kvm_set_segment). Also a real-mode segment whose base is
 * not selector*16. */
TEST(sregs_exact)
{
	struct vmm v;
	VM_OPEN(&v);
	struct kvm_sregs s, got;
	VM_GET_SREGS(&v, &s);
	s.cr0 = 0x60000011;
	s.cs = flat(8, 1);
	s.ds = s.es = s.ss = flat(0x10, 0);
	s.fs = (struct kvm_segment){ .base = 0x12345000, .limit = 0xfffff, .selector = 0x18,
				     .type = 3, .present = 1, .dpl = 0, .db = 0, .s = 1, .avl = 1 };
	s.gs = (struct kvm_segment){ .base = 0xabcde, .limit = 0x1234, .selector = 0x20,
				     .type = 1, .present = 1, .s = 1 };
	s.gdt.base = 0x5000;
	s.gdt.limit = 0x27;
	s.idt.base = 0x6000;
	s.idt.limit = 0x7ff;
	VM_SET_SREGS(&v, &s);
	VM_GET_SREGS(&v, &got);
	WANT_EQ(&v, "sregs.cr0 (PE set)", 0x60000011, got.cr0);
	WANT_SEGMENT(&v, "cs", &s.cs, &got.cs);
	WANT_SEGMENT(&v, "ds", &s.ds, &got.ds);
	WANT_SEGMENT(&v, "ss", &s.ss, &got.ss);
	WANT_SEGMENT(&v, "fs", &s.fs, &got.fs);
	WANT_SEGMENT(&v, "gs", &s.gs, &got.gs);
	WANT_EQ(&v, "sregs.gdt.base", 0x5000, got.gdt.base);
	WANT_EQ(&v, "sregs.gdt.limit", 0x27, got.gdt.limit);
	WANT_EQ(&v, "sregs.idt.base", 0x6000, got.idt.base);
	WANT_EQ(&v, "sregs.idt.limit", 0x7ff, got.idt.limit);

	/* Back to real mode with a BIOS-style CS (base 0xf0000 for selector 0xf000
	 * is selector*16; base 0x10000 for selector 0 is not). */
	s.cr0 = 0x60000010;
	s.cs = (struct kvm_segment){ .base = 0x10000, .limit = 0xffff, .selector = 0,
				     .type = 11, .present = 1, .s = 1 };
	VM_SET_SREGS(&v, &s);
	VM_GET_SREGS(&v, &got);
	WANT_EQ(&v, "sregs.cr0 (PE clear)", 0x60000010, got.cr0);
	WANT_SEGMENT(&v, "cs", &s.cs, &got.cs);
	vmm_close(&v);
}
END_TEST

/* A real-mode CS whose base isn't selector*16 runs from that base: the
 * instruction at CS.base + IP (0x11000 + 0) is the `out` of out.asm. */
TEST(real_mode_cs_base)
{
	struct vmm v;
	VM_OPEN(&v);
	VM_SLOT(&v, 0, 0x10000, 0x10000);
	VM_LOAD(&v, "out", 0x11000);
	VM_REAL_MODE(&v, 0);
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	s.cs.base = 0x11000;
	VM_SET_SREGS(&v, &s);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x3f8, 1);
	WANT_EQ(&v, "rip at the first out (IP, not linear)", OUT_EXIT_RIP(0x9, 1), vmm_rip(&v));
	vmm_close(&v);
}
END_TEST

/* Fact 2: what kvm_is_valid_sregs, kvm_is_valid_cr0 and kvm_is_valid_cr4
 * refuse, KVM_SET_SREGS refuses with EINVAL, and changes nothing. */
TEST(sregs_invalid)
{
	struct vmm v;
	VM_OPEN(&v);
	struct kvm_sregs base, s, got;
	VM_GET_SREGS(&v, &base);
	const uint64_t PE = 1, PG = 1ull << 31, CD = 1ull << 30, NW = 1ull << 29;
	const uint64_t PAE = 1ull << 5, LME = 1ull << 8, LMA = 1ull << 10;
	const struct { const char *what; uint64_t cr0, cr4, efer; int cs_l; } bad[] = {
		{ "CR0.PG without CR0.PE (kvm_is_valid_cr0)", PG | 0x10, 0, 0, 0 },
		{ "CR0.NW without CR0.CD (kvm_is_valid_cr0)", NW | 0x10, 0, 0, 0 },
		{ "CR0 bits 63:32 (kvm_is_valid_cr0)", (1ull << 32) | 0x10, 0, 0, 0 },
		{ "EFER.LME+CR0.PG without CR4.PAE", PG | PE | 0x10, 0, LME | LMA, 0 },
		{ "EFER.LME+CR0.PG+CR4.PAE without EFER.LMA", PG | PE | 0x10, PAE, LME, 0 },
		{ "EFER.LMA outside long mode", PE | 0x10, 0, LMA, 0 },
		{ "CS.L outside long mode", PE | 0x10, 0, 0, 1 },
		{ "CR4 reserved bit 31 (kvm_is_valid_cr4)", 0x10, 1ull << 31, 0, 0 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = base;
		s.cr0 = bad[i].cr0;
		s.cr4 = bad[i].cr4;
		s.efer = bad[i].efer;
		s.cs.l = bad[i].cs_l;
		errno = 0;
		int r = ioctl(v.vcpu, KVM_SET_SREGS, &s);
		if (r != -1 || errno != EINVAL)
			FAIL(&v, "KVM_SET_SREGS with %s: want -1 EINVAL, got %d (%s)", bad[i].what,
			     r, r ? strerror(errno) : "accepted");
	}
	VM_GET_SREGS(&v, &got);
	WANT_EQ(&v, "sregs.cr0 after the refusals", base.cr0, got.cr0);
	WANT_EQ(&v, "sregs.efer after the refusals", base.efer, got.efer);
	/* The valid neighbours are accepted: CD+NW, PE+PG, long mode proper. */
	s = base;
	s.cr0 = CD | NW | 0x10;
	VM_SET_SREGS(&v, &s);
	vmm_close(&v);
}
END_TEST

/* Fact 3: KVM_SET_REGS keeps RIP's 64 bits (kvm_rip_write). */
TEST(regs_rip64)
{
	struct vmm v;
	VM_OPEN(&v);
	struct kvm_regs r;
	VM_GET_REGS(&v, &r);
	r.rip = 0xffffffff81000000ull;
	r.rax = 0x1122334455667788ull;
	r.r15 = 0x8877665544332211ull;
	VM_SET_REGS(&v, &r);
	VM_GET_REGS(&v, &r);
	WANT_EQ(&v, "regs.rip", 0xffffffff81000000ull, r.rip);
	WANT_EQ(&v, "regs.rax", 0x1122334455667788ull, r.rax);
	WANT_EQ(&v, "regs.r15", 0x8877665544332211ull, r.r15);
	vmm_close(&v);
}
END_TEST

/* Fact 4: the request is an `unsigned int cmd` (fs/ioctl.c, sys_ioctl): a
 * sign-extended KVM_GET_SREGS (0xffffffff8138ae83) is KVM_GET_SREGS. */
TEST(ioctl_request_32bit)
{
	struct vmm v;
	VM_OPEN(&v);
	struct kvm_sregs s;
	memset(&s, 0xa5, sizeof s);
	unsigned long req = (unsigned long)(long)(int)KVM_GET_SREGS;
	int r = ioctl(v.vcpu, req, &s);
	if (r != 0)
		FAIL(&v, "ioctl(0x%lx = sign-extended KVM_GET_SREGS): want 0, got %d (%s)", req, r,
		     strerror(errno));
	WANT_EQ(&v, "sregs.cs.selector via the sign-extended request", 0xf000, s.cs.selector);
	vmm_close(&v);
}
END_TEST

/* Fact 5: a guest that enters protected mode itself is emulated there: in
 * 32-bit code `out dx,eax` is size 4 and `66 out` size 2, in a 16-bit code
 * segment `out dx,ax` is size 2; back in real mode
 * the defaults are 16-bit again (KVM decodes with the current CS.D:
 * emulate.c x86_decode_insn, and vmx.c handle_io's exit qualification). */
TEST(pm_entered_by_guest)
{
	struct vmm v;
	VM_STANDARD(&v, "pm_self");
	static const struct { int size; const char *data; uint64_t rip, len; } want[] = {
		{ 4, "ABCD", 0x1029, 1 }, { 2, "AB", 0x102a, 2 }, { 2, "\x20\x00", 0x103a, 1 },
		{ 1, "A", 0x1054, 1 }, { 4, "ABCD", 0x1055, 2 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		VM_RUN(&v);
		WANT_EXIT(&v, KVM_EXIT_IO);
		WANT_IO(&v, KVM_EXIT_IO_OUT, want[i].size, 0x3f8, 1);
		WANT_BYTES(&v, "io data", want[i].data, vmm_io_data(&v), (size_t)want[i].size);
		WANT_EQ(&v, "rip at the out", OUT_EXIT_RIP(want[i].rip, want[i].len), vmm_rip(&v));
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "rip past the hlt", 0x1058, vmm_rip(&v));
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	WANT_EQ(&v, "sregs.cr0.PE back in real mode", 0, s.cr0 & 1);
	vmm_close(&v);
}
END_TEST

/* Fact 6: unreal mode. DS keeps the base loaded in protected mode (0x2000)
 * after PE is cleared; `outsb` and a plain load both use it (emulate.c
 * seg_base reads the cached base; SDM vol. 3, 9.9.2). */
TEST(unreal_mode)
{
	struct vmm v;
	VM_OPEN(&v);
	VM_SLOT(&v, 0, 0, 0x10000);
	VM_LOAD(&v, "unreal", 0x1000);
	VM_REAL_MODE(&v, 0x1000);
	vmm_hva(&v, 0x2010)[0] = 'U';
	vmm_hva(&v, 0x90)[0] = 'x';
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x3f8, 1);
	WANT_BYTES(&v, "outsb data (from DS.base 0x2000 + 0x10)", "U", vmm_io_data(&v), 1);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_BYTES(&v, "mov al,[si] then out (DS.base 0x2000 + 0x10)", "U", vmm_io_data(&v), 1);
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	WANT_EQ(&v, "sregs.ds.selector", 0x08, s.ds.selector);
	WANT_EQ(&v, "sregs.ds.base (cached)", 0x2000, s.ds.base);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* MMIO and string I/O in flat 32-bit protected mode set by KVM_SET_SREGS:
 * 4-byte accesses; `rep outsb` walks ESI/ECX as 32-bit registers and stays
 * on the instruction (emulate.c string_insn_completed). */
TEST(pm_mmio_string)
{
	struct vmm v;
	VM_OPEN(&v);
	VM_SLOT(&v, 0, 0x1000, 0x10000);
	VM_LOAD(&v, "pm_mmio", 0x1000);
	struct kvm_sregs s;
	FLAT32(&v, &s, 0x1000);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_MMIO);
	WANT_EQ(&v, "mmio.phys_addr", 0x20010, v.run->mmio.phys_addr);
	WANT_EQ(&v, "mmio.len", 4, v.run->mmio.len);
	WANT_EQ(&v, "mmio.is_write", 1, v.run->mmio.is_write);
	WANT_BYTES(&v, "mmio.data", "\x44\x33\x22\x11", v.run->mmio.data, 4);
	WANT_EQ(&v, "rip past the write", 0x100a, vmm_rip(&v));
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_MMIO);
	WANT_EQ(&v, "mmio.phys_addr", 0x20020, v.run->mmio.phys_addr);
	WANT_EQ(&v, "mmio.len", 4, v.run->mmio.len);
	WANT_EQ(&v, "mmio.is_write", 0, v.run->mmio.is_write);
	WANT_EQ(&v, "rip at the read", 0x100a, vmm_rip(&v));
	memcpy(v.run->mmio.data, "\x01\x02\x03\x04", 4);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0x3f8, 1);
	WANT_BYTES(&v, "the MMIO value, sent back", "\x01\x02\x03\x04", vmm_io_data(&v), 4);
	for (int i = 0; i < 2; i++) {
		VM_RUN(&v);
		WANT_EXIT(&v, KVM_EXIT_IO);
		WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x3f8, 1);
		WANT_BYTES(&v, "rep outsb data", &"ok"[i], vmm_io_data(&v), 1);
		struct kvm_regs r;
		VM_GET_REGS(&v, &r);
		WANT_EQ(&v, "rsi after the element", 0x1022 + i, r.rsi);
		WANT_EQ(&v, "rcx after the element", 1 - i, r.rcx);
		WANT_EQ(&v, "rip stays on the rep outsb", 0x101e, r.rip);
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "rip past the hlt", 0x1021, vmm_rip(&v));
	vmm_close(&v);
}
END_TEST

/* Code the guest rewrites itself is run as rewritten (the CPU's
 * self-modifying-code rule): a `nop` it ran becomes an `out`, which exits. */
TEST(guest_smc)
{
	struct vmm v;
	VM_STANDARD(&v, "guest_smc");
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x3f8, 1);
	WANT_BYTES(&v, "io data", "S", vmm_io_data(&v), 1);
	WANT_EQ(&v, "rip at the rewritten out", OUT_EXIT_RIP(0x1008, 1), vmm_rip(&v));
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

static void put64(struct vmm *v, uint64_t gpa, uint64_t val)
{
	memcpy(vmm_hva(v, gpa), &val, 8);
}

#define RFL_RF_BIT (1u << 16)

static uint64_t gate(uint16_t sel, uint32_t off, int type)
{
	return (off & 0xffff) | (uint64_t)sel << 16 | (uint64_t)(0x80 | type) << 40 |
	       (uint64_t)(off >> 16) << 48;
}

/* `int n` and #UD through the IDT in 32-bit protected mode: interrupt gate
 * (IF cleared), trap gate; EFLAGS, CS, EIP pushed; iretd returns (SDM vol. 3,
 * 6.12.1). */
TEST(pm_idt)
{
	if (vmm_kvm_is_pvm())
		CHECK_SKIP("on kvm_pvm: its emulator can't deliver protected-mode "
		           "interrupts: emulate.c emulate_int; see FACTS.md");
	struct vmm v;
	VM_OPEN(&v);
	VM_SLOT(&v, 0, 0, 0x10000);
	VM_LOAD(&v, "pm_idt", 0x1000);
	put64(&v, 0x2800, 0);
	put64(&v, 0x2808, 0x00cf9b000000ffffull);
	put64(&v, 0x2810, 0x00cf93000000ffffull);
	put64(&v, 0x3000 + 0x21 * 8, gate(0x08, 0x1020, 0xe));
	put64(&v, 0x3000 + 6 * 8, gate(0x08, 0x1040, 0xf));
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	s.gdt.base = 0x2800;
	s.gdt.limit = 0x17;
	s.idt.base = 0x3000;
	s.idt.limit = 0x21 * 8 + 7;
	VM_SET_SREGS(&v, &s);
	FLAT32(&v, &s, 0x1000);
	static const struct { const char *what; uint32_t val; } want[] = {
		{ "EFLAGS in the int 0x21 handler (IF cleared)", 0x2 },
		{ "EIP pushed by int 0x21 (past it)", 0x100c },
		{ "CS pushed by int 0x21", 0x08 },
		{ "EIP pushed by #UD (the ud2)", 0x100c },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		VM_RUN(&v);
		WANT_EXIT(&v, KVM_EXIT_IO);
		WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0x3f8, 1);
		uint32_t got;
		memcpy(&got, vmm_io_data(&v), 4);
		WANT_EQ(&v, want[i].what, want[i].val, got);
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "rip past the hlt", 0x100f, vmm_rip(&v));
	vmm_close(&v);
}
END_TEST

/* RF (SDM vol. 3, 17.3.1.1): KVM injects a fault with RF set in the pushed
 * EFLAGS (x86.c kvm_inject_exception: EXCPT_FAULT); the IRET restores it;
 * an OUT that KVM completes on its fast path leaves it (kvm_fast_pio ->
 * kvm_skip_emulated_instruction moves RIP only), and the first instruction
 * the CPU completes, a MOV, clears it. */
TEST(pm_rf_cleared_after_iret)
{
	if (vmm_kvm_is_pvm())
		CHECK_SKIP("on kvm_pvm: no protected-mode delivery: see FACTS.md");
	struct vmm v;
	VM_OPEN(&v);
	VM_SLOT(&v, 0, 0, 0x10000);
	VM_LOAD(&v, "pm_rf", 0x1000);
	put64(&v, 0x2800, 0);
	put64(&v, 0x2808, 0x00cf9b000000ffffull);
	put64(&v, 0x2810, 0x00cf93000000ffffull);
	put64(&v, 0x3000 + 13 * 8, gate(0x08, 0x1040, 0xe));
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	s.gdt.base = 0x2800;
	s.gdt.limit = 0x17;
	s.idt.base = 0x3000;
	s.idt.limit = 13 * 8 + 7;
	VM_SET_SREGS(&v, &s);
	FLAT32(&v, &s, 0x1000);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0xf1, 1);
	uint32_t pushed;
	memcpy(&pushed, vmm_io_data(&v), 4);
	WANT_EQ(&v, "RF in the #GP frame's EFLAGS", RFL_RF_BIT, pushed & RFL_RF_BIT);
	static const struct { uint16_t port; uint32_t rf; const char *what; } want[] = {
		{ 0xf2, RFL_RF_BIT, "RF at the OUT right after the IRET" },
		{ 0xf3, RFL_RF_BIT, "RF at the next OUT (KVM completed the first itself)" },
		{ 0xf0, 0, "RF once the MOV completed" },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		VM_RUN(&v);
		WANT_IO(&v, KVM_EXIT_IO_OUT, 1, want[i].port, 1);
		struct kvm_regs r;
		VM_GET_REGS(&v, &r);
		WANT_EQ(&v, want[i].what, want[i].rf, r.rflags & RFL_RF_BIT);
	}
	vmm_close(&v);
}
END_TEST

/* Protected mode, IDT limit 0: int3 -> #GP -> #DF -> triple fault:
 * KVM_EXIT_SHUTDOWN (vmx.c handle_triple_fault). */
TEST(pm_triple_fault)
{
	if (vmm_kvm_is_pvm())
		CHECK_SKIP("on kvm_pvm: no protected-mode delivery: see FACTS.md");
	struct vmm v;
	VM_OPEN(&v);
	VM_SLOT(&v, 0, 0, 0x10000);
	VM_LOAD(&v, "pm_triple", 0x1000);
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	s.idt.base = 0;
	s.idt.limit = 0;
	VM_SET_SREGS(&v, &s);
	FLAT32(&v, &s, 0x1000);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_SHUTDOWN);
	vmm_close(&v);
}
END_TEST
