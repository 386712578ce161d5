/*
 * mmio.c - guest accesses to guest-physical memory no slot covers.
 *
 * KVM exits with KVM_EXIT_MMIO and RIP still on the instruction; the next
 * KVM_RUN re-enters its emulator, which finishes the instruction with
 * run->mmio.data for a read (x86.c complete_emulated_mmio). Here: the access
 * faults in Unicorn with the instruction not executed (exact EIP, see
 * precise_pc_hook in cpu.c). To complete it, the page is mapped as Unicorn
 * MMIO answering from run->mmio, the instruction runs once under an
 * instruction hook, and the page is unmapped again.
 */
#include "kvmemu.h"

#include <string.h>

bool mmio_unmapped_hook(uc_engine *u, uc_mem_type type, uint64_t addr, int size,
			int64_t value, void *opaque)
{
	(void)u;
	struct vcpu *v = opaque;
	struct cpu *c = &v->cpu;
	bool write = type == UC_MEM_WRITE_UNMAPPED || type == UC_MEM_WRITE_PROT;
	/* QEMU splits an 8-byte access to non-RAM into two 4-byte ones: the
	 * second continues the first (KVM reports one access, len 8). */
	if (c->stop == S_MMIO && c->mmio_write == write && addr == c->mmio_addr + c->mmio_len &&
	    c->mmio_len + (uint32_t)size <= sizeof c->mmio_data) {
		memcpy(c->mmio_data + c->mmio_len, &value, (size_t)size);
		c->mmio_len += (uint32_t)size;
		return false;
	}
	c->mmio_addr = addr;
	c->mmio_len = (uint32_t)size;
	c->mmio_straddle = false;
	c->mmio_write = type == UC_MEM_WRITE_UNMAPPED || type == UC_MEM_WRITE_PROT;
	/* A write into a KVM_MEM_READONLY slot: KVM treats it as MMIO
	 * (x86.c emulator_read_write: the memslot is read-only). */
	c->ro_write = type == UC_MEM_WRITE_PROT;
	memcpy(c->mmio_data, &value, sizeof value);
	c->stop = S_MMIO;
	return false;                 /* abort the instruction: EIP stays on it */
}

/* The exit for 8-byte part `part` of the access: KVM splits a 16-byte one
 * (MOVDQU) into two exits of 8 (x86.c emulator_read_write: one
 * KVM_EXIT_MMIO per fragment of at most 8 bytes). */
static void part_exit(struct vcpu *v, uint32_t part)
{
	struct cpu *c = &v->cpu;
	struct kvm_run *run = v->run;
	uint32_t off = part * 8, len = c->mmio_len - off;
	c->mmio_part = part;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = c->mmio_addr + off;
	run->mmio.len = len > 8 ? 8 : len;
	run->mmio.is_write = c->mmio_write;
	memset(run->mmio.data, 0, sizeof run->mmio.data);
	if (c->mmio_write)
		memcpy(run->mmio.data, c->mmio_data + off, run->mmio.len);
}

static bool more_parts(const struct cpu *c)
{
	return (c->mmio_part + 1) * 8 < c->mmio_len;
}

/* A read straddling RAM and MMIO: QEMU reports the size-aligned access at
 * the page boundary (its page-crossing split), KVM the bytes past the
 * boundary only (emulator_read_write_onepage). The decoded operand tells
 * how many (64-bit mode; elsewhere QEMU's view stays). */
static void straddle(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	struct mem_operand m;
	c->mmio_straddle = false;
	uint32_t size = c->mmio_len;
	if (c->mmio_write || (c->mmio_addr & 0xfff) || size < 2 || (size & (size - 1)) ||
	    !insn_mem_operand(v, cpu_lip(c), &m) || m.stack)
		return;
	uint64_t off = m.ea & (size - 1);
	if (off && !(((m.ea & ~(uint64_t)(size - 1)) + size) & 0xfff)) {
		c->mmio_len = (uint32_t)off;
		c->mmio_straddle = true;
	}
}

void mmio_exit(struct vcpu *v)
{
	straddle(v);
	part_exit(v, 0);
	v->pending = P_MMIO;
	v->pending_lip = cpu_lip(&v->cpu);
}

/* At the next KVM_RUN: a read's part is in run->mmio.data. 1 when another
 * part's exit is made (the guest doesn't run), else 0 (complete it now). */
int mmio_next_part(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	if (v->pending == P_MMIO_WRITE) {
		v->pending = P_NONE;
		part_exit(v, c->mmio_part + 1);
		if (more_parts(c))
			v->pending = P_MMIO_WRITE;
		return 1;
	}
	uint32_t off = c->mmio_part * 8;
	memcpy(c->mmio_data + off, v->run->mmio.data, c->mmio_len - off > 8 ? 8 : c->mmio_len - off);
	if (!more_parts(c))
		return 0;
	part_exit(v, c->mmio_part + 1);
	return 1;
}

/* The completing run: every access to the page lands here. QEMU may split
 * the instruction's access (8 bytes in 4-byte parts, an unaligned one in
 * aligned chunks that it then shifts together): each part gets the bytes
 * of run->mmio.data it overlaps, zeros for bytes outside the access (QEMU
 * discards them), and the instruction is done once every byte was read. */
static uint64_t mmio_read(uc_engine *u, uint64_t offset, unsigned size, void *opaque)
{
	(void)u;
	struct vcpu *v = opaque;
	struct cpu *c = &v->cpu;
	uint64_t addr = c->mmio_page + offset, val = 0;
	uint64_t lo = c->mmio_addr, hi = lo + c->mmio_len;
	uint64_t a0 = addr > lo ? addr : lo, a1 = addr + size < hi ? addr + size : hi;
	if (!c->mmio_write && size <= 8 && a0 < a1) {
		memcpy((uint8_t *)&val + (a0 - addr), c->mmio_data + (a0 - lo), (size_t)(a1 - a0));
		c->mmio_seen |= (uint16_t)(((1u << (a1 - a0)) - 1) << (a0 - lo));
		if (c->mmio_seen == (uint16_t)((1u << c->mmio_len) - 1))
			c->mmio_done = true;  /* the instruction hook after it stops the run */
		return val;
	}
	if (!c->mmio_write && addr >= hi && addr < ((hi + 7) & ~7ull))
		return 0;                     /* the rest of the last aligned chunk: discarded */
	if (!c->mmio_write && !c->mmio_straddle && !(lo & 7) && c->mmio_len == 8 && addr >= hi &&
	    addr + size <= lo + sizeof c->mmio_data) {
		/* The next 8 bytes of a 16-byte read (QEMU gave the first part
		 * only when it aborted): the instruction is undone after it
		 * ran (mmio_complete_end) and that part's exit made. */
		if (addr + size - lo > c->mmio_more)
			c->mmio_more = (uint32_t)(addr + size - lo);
		return 0;
	}
	kvmemu_diag("a second MMIO read (0x%llx) in one instruction is not emulated: "
		    "KVM_EXIT_INTERNAL_ERROR", (unsigned long long)addr);
	c->mmio_unhandled = true;
	c->mmio_done = true;
	return 0;
}

static void mmio_write(uc_engine *u, uint64_t offset, unsigned size, uint64_t value,
		       void *opaque)
{
	(void)u;
	struct vcpu *v = opaque;
	struct cpu *c = &v->cpu;
	uint64_t addr = c->mmio_page + offset;
	if (c->write_exit && addr == c->mmio_addr + c->mmio_len &&
	    c->mmio_len + size <= sizeof c->mmio_data) {          /* a split 8-byte write */
		memcpy(c->mmio_data + c->mmio_len, &value, size);
		c->mmio_len += size;
		return;
	}
	/* The write itself, or the write half of a read-modify-write: either
	 * way it exits once the instruction is complete. */
	if (c->write_exit) {
		kvmemu_diag("a second MMIO write (0x%llx) in one instruction is not emulated: "
			    "KVM_EXIT_INTERNAL_ERROR", (unsigned long long)addr);
		c->mmio_unhandled = true;
		return;
	}
	c->write_exit = true;
	c->mmio_addr = addr;
	c->mmio_len = size;
	c->mmio_write = true;
	memcpy(c->mmio_data, &value, sizeof value);
	c->mmio_done = true;
}

void mmio_unmap_page(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	if (!c->mmio_mapped)
		return;
	uc.mem_unmap(c->uc, c->mmio_page, PAGE_SZ);
	c->mmio_mapped = false;
}

/* The instruction that wrote into a read-only slot runs once with the slot
 * writable; mmio_complete_end puts the bytes back and makes the exit. */
static int ro_begin(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	uint8_t *p = gpa_ptr(v->vm, c->mmio_addr, c->mmio_len);
	c->ro_slot = NULL;
	for (int i = 0; i < KVMEMU_MAX_SLOTS && !c->ro_slot; i++) {
		struct slot *s = &v->vm->slots[i];
		if (s->used && c->mmio_addr >= s->gpa && c->mmio_addr < s->gpa + s->size)
			c->ro_slot = s;
	}
	if (!p || !c->ro_slot || c->mmio_len > sizeof c->ro_saved ||
	    uc.mem_protect(c->uc, c->ro_slot->gpa, c->ro_slot->size, UC_PROT_ALL) != UC_ERR_OK) {
		kvmemu_diag("a write into a read-only slot at 0x%llx (len %u) is not emulated",
			    (unsigned long long)c->mmio_addr, c->mmio_len);
		cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
		return 1;
	}
	/* The engine's TLB holds the page's old protection (paging on: by
	 * virtual address): drop it, or the store faults again. */
	uc.ctl(c->uc, UC_CTL_WRITE(UC_CTL_TLB_FLUSH, 0));
	memcpy(c->ro_saved, p, c->mmio_len);
	c->ro_step = true;
	c->ro_lip = cpu_lip(c);
	c->mmio_done = false;
	c->write_exit = true;
	uint64_t lip = c->ro_lip;
	bool all = true;
	for (uint64_t a = lip; a < lip + 32; a++)
		all = all && cpu_covered(c, a);
	if (!all) {
		cpu_hook_range(c, lip, lip + 31);
		uc.ctl(c->uc, UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2), lip, lip + 32);
	}
	return 0;
}

static void ro_end(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	uint8_t *p = gpa_ptr(v->vm, c->mmio_addr, c->mmio_len);
	if (p)
		memcpy(p, c->ro_saved, c->mmio_len);
	uc.mem_protect(c->uc, c->ro_slot->gpa, c->ro_slot->size, UC_PROT_READ | UC_PROT_EXEC);
	uc.ctl(c->uc, UC_CTL_WRITE(UC_CTL_TLB_FLUSH, 0));   /* writable no more */
	c->ro_step = false;
}

int mmio_complete_begin(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	v->pending = P_NONE;
	if (c->ro_write)
		return ro_begin(v);
	c->mmio_page = c->mmio_addr & ~(uint64_t)(PAGE_SZ - 1);
	uc_err e = uc.mmio_map(c->uc, c->mmio_page, PAGE_SZ, mmio_read, v, mmio_write, v);
	if (e) {
		kvmemu_diag("completing MMIO at 0x%llx: %s", (unsigned long long)c->mmio_addr,
			    uc.strerror(e));
		cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
		return 1;
	}
	c->mmio_mapped = true;
	c->mmio_done = false;
	c->write_exit = false;
	c->mmio_more = 0;
	c->mmio_seen = 0;
	/* A read may turn out to be the first half of a 16-byte one: keep the
	 * state before the instruction to undo it then. */
	if (!c->mmio_write)
		uc.context_save(c->uc, c->ctx_full);
	/* Instruction hooks on this instruction and the next one (x86
	 * instructions are at most 15 bytes) stop the run right after it. */
	uint64_t lip = cpu_lip(c);
	bool all = true;
	for (uint64_t a = lip; a < lip + 32; a++)
		all = all && cpu_covered(c, a);
	if (!all) {
		cpu_hook_range(c, lip, lip + 31);
		uc.ctl(c->uc, UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2), lip, lip + 32);
	}
	return 0;
}

/* After the instruction: 1 when the write half of a RMW makes an exit. */
int mmio_complete_end(struct vcpu *v)
{
	struct cpu *c = &v->cpu;
	if (c->ro_step)
		ro_end(v);
	else
		mmio_unmap_page(v);
	c->mmio_done = false;
	if (c->mmio_unhandled) {
		c->mmio_unhandled = false;
		cpu_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
		return 1;
	}
	if (c->mmio_more) {           /* undo it; the read's next part exits */
		uc.context_restore(c->uc, c->ctx_full);
		c->env.valid = false;
		c->mmio_len = c->mmio_more;
		c->mmio_more = 0;
		c->write_exit = false;
		part_exit(v, c->mmio_part + 1);
		v->pending = P_MMIO;
		return 1;
	}
	if (!c->write_exit)
		return 0;
	c->write_exit = false;
	mmio_exit(v);
	/* The instruction is already complete; a 16-byte write's second half
	 * is the next exit. */
	v->pending = more_parts(c) ? P_MMIO_WRITE : P_NONE;
	return 1;
}
