/*
 * pio.c - IN, OUT, INS and OUTS with KVM's semantics.
 *
 * Non-string IN/OUT are KVM's "fast PIO" (x86.c kvm_fast_pio): user space
 * sees the exit with RIP still on the instruction, and the next KVM_RUN
 * completes it (complete_fast_pio_out/_in) unless user space moved RIP;
 * but an OUT to port 0x7e is past at the exit (KVM_X86_QUIRK_OUT_7E_INC_RIP).
 * String I/O goes through KVM's emulator (emulate.c em_in/em_out,
 * pio_in_emulated): OUTS exits once per element with SI/CX already
 * updated; INS reads a batch of elements ahead, stored on the next KVM_RUN.
 */
#include "kvmemu.h"

#include <string.h>

/* The parts of a decoded I/O instruction KVM looks at. o32/a32 are the
 * 0x66/0x67 prefixes: they toggle the code segment's default size. */
struct io_insn {
	uint8_t op;
	bool o32, a32, rep;
	int seg;                  /* source segment of OUTS: SEG_* */
	int nprefix;
};

static const int seg_of_prefix[6][2] = {
	{ 0x26, SEG_ES }, { 0x2e, SEG_CS }, { 0x36, SEG_SS },
	{ 0x3e, SEG_DS }, { 0x64, SEG_FS }, { 0x65, SEG_GS },
};

static bool decode(const uint8_t *p, uint32_t len, struct io_insn *d)
{
	*d = (struct io_insn){ .seg = SEG_DS };
	uint32_t i = 0;
	for (; i < len; i++) {
		uint8_t b = p[i];
		if (b == 0x66)
			d->o32 = true;
		else if (b == 0x67)
			d->a32 = true;
		else if (b == 0xf3 || b == 0xf2)
			d->rep = true;
		else if (b == 0xf0)
			;
		else if ((b & 0xf0) == 0x40 && i + 1 < len)
			;                 /* REX (64-bit code): no effect on I/O sizes */
		else {
			bool seg = false;
			for (int k = 0; k < 6; k++)
				if (b == seg_of_prefix[k][0]) {
					d->seg = seg_of_prefix[k][1];
					seg = true;
				}
			if (!seg)
				break;
		}
	}
	if (i >= len)
		return false;
	d->op = p[i];
	d->nprefix = (int)i;
	return (d->op >= 0xe4 && d->op <= 0xe7) || (d->op >= 0xec && d->op <= 0xef) ||
	       (d->op >= 0x6c && d->op <= 0x6f);
}

bool pio_opcode(const uint8_t *insn, uint32_t len)
{
	struct io_insn d;
	return decode(insn, len, &d);
}

/* Operand and address sizes (2, 4 or 8 bytes) in the current mode: the
 * code segment's default (16 in real mode, CS.D in protected mode, 64-bit
 * addresses in long mode), toggled by 0x66/0x67 (SDM vol. 1, 3.6). */
static int op_size(int code, bool p66)
{
	return code == 2 ? (p66 ? 4 : 2) : (p66 ? 2 : 4);
}

static int addr_size(int code, bool p67)
{
	return code == 2 ? (p67 ? 4 : 2) : code == 4 ? (p67 ? 2 : 4) : (p67 ? 4 : 8);
}

/* A count/index register as the address size sees it, and its update: a
 * 16-bit write keeps the upper bits, a 32-bit one zero-extends (as the CPU). */
static uint64_t areg(struct cpu *c, int reg64, int asz)
{
	uint64_t x = reg_get(c, reg64);
	return asz == 8 ? x : asz == 4 ? (uint32_t)x : (x & 0xffff);
}

static void areg_set(struct cpu *c, int reg64, int asz, uint64_t val)
{
	uint64_t old = reg_get(c, reg64);
	reg_set(c, reg64, asz == 8 ? val : asz == 4 ? (uint32_t)val
						    : ((old & ~0xffffull) | (val & 0xffff)));
}

static uint64_t amask(int asz)
{
	return asz == 8 ? ~0ull : asz == 4 ? 0xffffffffull : 0xffffull;
}

static uint32_t min3(uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t m = a < b ? a : b;
	return m < c ? m : c;
}

/* pio_in_emulated's read-ahead: no more than fits in 1024 bytes or in the
 * rest of the page (by the register's offset, as KVM computes it). */
static uint32_t batch(uint32_t count, uint32_t size, uint64_t reg, bool df)
{
	uint32_t in_page = df ? (reg & 0xfff) : PAGE_SZ - (reg & 0xfff);
	uint32_t n = min3(in_page, 1024 / size, count);
	return n ? n : 1;
}

static void set_io(struct vcpu *v, int dir, uint32_t size, uint32_t port, uint32_t count)
{
	struct kvm_run *run = v->run;
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = (uint8_t)dir;
	run->io.size = (uint8_t)size;
	run->io.port = (uint16_t)port;
	run->io.count = count;
	run->io.data_offset = v->pio_offset;
}

static uint8_t *io_data(struct vcpu *v)
{
	return (uint8_t *)v->run + v->pio_offset;
}

/* KVM's emulator keeps RF set while a rep string instruction is unfinished,
 * so that it resumes without re-raising an instruction breakpoint, and
 * clears it when done (emulate.c x86_emulate_insn: X86_EFLAGS_RF). */
static void rep_rf(struct cpu *c, bool unfinished)
{
	uint64_t fl = reg_get(c, UC_X86_REG_RFLAGS);
	reg_set(c, UC_X86_REG_RFLAGS, unfinished ? fl | RFL_RF : fl & ~RFL_RF);
}

/* The #PF of an operand access, as KVM's emulator injects it
 * (x86_emulate_insn -> inject_emulated_exception): RIP on the instruction.
 * 1 = an exit is set (a triple fault), 0 = the handler runs next. */
static int operand_fault(struct vcpu *v, uint32_t err, uint64_t cr2)
{
	struct event ev = event_exception(X86_PF, err);
	ev.cr2 = cr2;
	return event_inject(v, ev);
}

static int string_out(struct vcpu *v, const struct io_insn *d, uint32_t size, uint64_t lip,
		      uint32_t len, uint32_t count)
{
	struct cpu *c = &v->cpu;
	int asz = addr_size(cpu_code_size(c), d->a32);
	bool df = reg_get(c, UC_X86_REG_EFLAGS) & RFL_DF;
	uint64_t si = areg(c, UC_X86_REG_RSI, asz);
	uint32_t n = (v->string_batch && d->rep) ? batch(count, size, si, df) : 1;
	/* The segment's cached base, whatever its selector says (unreal mode);
	 * in 64-bit mode only FS and GS have one. */
	uint64_t base = cpu_code_size(c) == 8 && d->seg != SEG_FS && d->seg != SEG_GS
				? 0 : cpu_seg_base(c, d->seg);
	for (uint32_t k = 0; k < n; k++) {
		uint64_t lin = (base + si) & cpu_lin_mask(c), cr2;
		uint32_t pferr;
		if (mmu_data(v, lin, size, false, &pferr, &cr2) == XLAT_PF) {
			if (k == 0)               /* KVM reads it before the exit */
				return operand_fault(v, pferr, cr2);
			n = k;                    /* these go out; the next run faults */
			break;
		}
		if (!lin_read(v, lin, io_data(v) + k * size, size)) {
			kvmemu_diag("OUTS from outside RAM (linear 0x%llx) is not emulated",
				    (unsigned long long)lin);
			cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
			return 1;
		}
		si = (si + (df ? -(uint64_t)size : size)) & amask(asz);
	}
	areg_set(c, UC_X86_REG_RSI, asz, si);
	uint32_t left = count - n;
	if (d->rep)
		areg_set(c, UC_X86_REG_RCX, asz, left);
	/* A rep stays on the instruction, even after its last element: the next
	 * KVM_RUN re-executes it with CX = 0 (emulate.c, string_insn_completed). */
	cpu_set_lip(c, d->rep ? lip : lip + len);
	if (d->rep)
		rep_rf(c, true);
	set_io(v, KVM_EXIT_IO_OUT, size, (uint32_t)reg_get(c, UC_X86_REG_DX) & 0xffff, n);
	v->pending = P_NONE;
	return 1;
}

static int string_in(struct vcpu *v, const struct io_insn *d, uint32_t size, uint64_t lip,
		     uint32_t len, uint32_t count)
{
	struct cpu *c = &v->cpu;
	bool df = reg_get(c, UC_X86_REG_EFLAGS) & RFL_DF;
	uint32_t n = d->rep ? batch(count, size, reg_get(c, UC_X86_REG_RDI), df) : 1;
	memset(io_data(v), 0, n * size);
	set_io(v, KVM_EXIT_IO_IN, size, (uint32_t)reg_get(c, UC_X86_REG_DX) & 0xffff, n);
	v->pending = P_INS;
	v->pending_lip = lip;
	v->pending_len = len;
	v->ins_count = n;
	v->ins_size = size;
	v->ins_rep = d->rep;
	v->ins_asz = addr_size(cpu_code_size(c), d->a32);
	return 1;
}

int pio_exit(struct vcpu *v, uint64_t lip, uint32_t len)
{
	struct cpu *c = &v->cpu;
	uint8_t p[16];
	struct io_insn d;
	if (len > sizeof p || !lin_read(v, lip, p, len) || !decode(p, len, &d))
		return 0;                 /* not I/O after all: run on */
	int code = cpu_code_size(c);
	uint32_t size = (d.op & 1) ? (uint32_t)op_size(code, d.o32) : 1;
	bool string = (d.op & 0xfc) == 0x6c;
	bool in = string ? d.op <= 0x6d : !(d.op & 2);
	if (string) {
		uint32_t count = d.rep ? (uint32_t)areg(c, UC_X86_REG_RCX, addr_size(code, d.a32)) : 1;
		if (count == 0) {         /* rep with CX = 0: no access, no exit */
			cpu_set_lip(c, lip + len);
			rep_rf(c, false);
			return 0;
		}
		return in ? string_in(v, &d, size, lip, len, count)
			  : string_out(v, &d, size, lip, len, count);
	}
	uint32_t port = (d.op & 8) ? (uint32_t)reg_get(c, UC_X86_REG_DX) & 0xffff
				   : p[d.nprefix + 1];
	set_io(v, in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT, size, port, 1);
	if (in) {
		memset(io_data(v), 0, size);
	} else {
		uint32_t eax = (uint32_t)reg_get(c, UC_X86_REG_EAX);
		memcpy(io_data(v), &eax, size);
	}
	if (!in && port == 0x7e) {
		/* KVM_X86_QUIRK_OUT_7E_INC_RIP (x86.c kvm_fast_pio_out, on unless
		 * disabled, and kvmemu can't disable quirks): RIP is past the OUT
		 * at the exit already, for old user space that relied on it, and
		 * the next KVM_RUN completes nothing. */
		cpu_set_lip(c, lip + len);
		irq_insn_skipped(v);
		return 1;
	}
	v->pending = in ? P_IN : P_SKIP;
	v->pending_lip = lip;
	v->pending_len = len;
	return 1;
}

/* complete_fast_pio_in: AL/AX merge, a 32-bit IN zero-extends into RAX. */
static void complete_in(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	uint32_t size = v->run->io.size, val = 0;
	memcpy(&val, io_data(v), size > 4 ? 4 : size);
	uint64_t rax = reg_get(c, UC_X86_REG_RAX);
	if (size == 1)
		rax = (rax & ~0xffull) | (val & 0xff);
	else if (size == 2)
		rax = (rax & ~0xffffull) | (val & 0xffff);
	else
		rax = val;
	reg_set(c, UC_X86_REG_RAX, rax);
}

/* complete_emulated_pio for INS: the batch lands at ES:DI. An element
 * whose destination faults (not present, read-only, SMAP) stops it there:
 * RIP stays on the instruction and the #PF is delivered (KVM's emulator
 * writes back after the exit, and faults then). 1 = an exit is set. */
static int complete_ins(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	bool df = reg_get(c, UC_X86_REG_EFLAGS) & RFL_DF;
	uint32_t size = v->ins_size, n = v->ins_count;
	int asz = v->ins_asz;
	uint64_t di = areg(c, UC_X86_REG_RDI, asz);
	uint64_t base = cpu_code_size(c) == 8 ? 0 : cpu_seg_base(c, SEG_ES), cr2 = 0;
	uint32_t pferr = 0;
	bool fault = false;
	for (uint32_t k = 0; k < n; k++) {
		uint64_t lin = (base + di) & cpu_lin_mask(c);
		if (mmu_data(v, lin, size, true, &pferr, &cr2) == XLAT_PF) {
			fault = true;
			n = k;
			break;
		}
		if (!lin_write(v, lin, io_data(v) + k * size, size))
			kvmemu_diag("INS into non-RAM (linear 0x%llx) dropped (not emulated)",
				    (unsigned long long)lin);
		di = (di + (df ? -(uint64_t)size : size)) & amask(asz);
	}
	areg_set(c, UC_X86_REG_RDI, asz, di);
	uint64_t left = 0;
	if (v->ins_rep) {
		left = areg(c, UC_X86_REG_RCX, asz) - n;
		areg_set(c, UC_X86_REG_RCX, asz, left);
	}
	cpu_set_lip(c, left || fault ? v->pending_lip : v->pending_lip + v->pending_len);
	if (v->ins_rep)
		rep_rf(c, left != 0);
	return fault ? operand_fault(v, pferr, cr2) : 0;
}

int pio_complete(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	enum pending p = v->pending;
	v->pending = P_NONE;
	if (p == P_INS)
		return complete_ins(v);
	if (p != P_SKIP && p != P_IN)
		return 0;
	/* kvm_is_linear_rip: user space moved RIP, the I/O is dropped. */
	if (cpu_lip(c) != v->pending_lip)
		return 0;
	if (p == P_IN)
		complete_in(v);
	cpu_set_lip(c, v->pending_lip + v->pending_len);
	irq_insn_skipped(v);
	return 0;
}
