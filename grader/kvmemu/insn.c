/*
 * insn.c - the memory operand of a 64-bit instruction, decoded (SDM vol. 2,
 * chapter 2: prefixes, REX, VEX, opcode maps, ModRM, SIB, displacement).
 *
 * QEMU reports a fault or an access with an address but not the operand
 * that made it. Two of KVM's behaviours need the operand:
 *   - a non-canonical address is #SS(0) when the segment is SS (RSP or RBP
 *     as base, or push/pop/call/ret's implicit stack access), #GP(0)
 *     otherwise (SDM vol. 3, 6.15 "Interrupt 12", "Interrupt 13"); QEMU
 *     raises #GP(0) for both;
 *   - a read straddling RAM and MMIO exits with the MMIO part's own length
 *     (x86.c emulator_read_write_onepage), where QEMU reports an aligned
 *     access of the whole size at the page boundary.
 * Only 64-bit mode is decoded (false elsewhere: the caller keeps QEMU's view).
 */
#include "kvmemu.h"

#include <string.h>

/* One-byte opcodes with a ModRM byte (SDM vol. 2, table A-2). */
static bool modrm_map0(uint8_t op)
{
	if (op < 0x40)
		return (op & 7) < 4;
	return op == 0x63 || op == 0x69 || op == 0x6b || (op >= 0x80 && op <= 0x8f) ||
	       op == 0xc0 || op == 0xc1 || op == 0xc6 || op == 0xc7 ||
	       (op >= 0xd0 && op <= 0xd3) || (op >= 0xd8 && op <= 0xdf) || op == 0xf6 ||
	       op == 0xf7 || op == 0xfe || op == 0xff;
}

/* Two-byte opcodes (0f xx) without one (table A-3). */
static bool modrm_map1(uint8_t op)
{
	return !(op == 0x05 || op == 0x06 || op == 0x07 || op == 0x08 || op == 0x09 ||
		 op == 0x0b || op == 0x0e || (op >= 0x30 && op <= 0x37) || op == 0x77 ||
		 (op >= 0x80 && op <= 0x8f) || op == 0xa0 || op == 0xa1 || op == 0xa2 ||
		 op == 0xa8 || op == 0xa9 || op == 0xaa || (op >= 0xc8 && op <= 0xcf));
}

/* Bytes of immediate after the ModRM operand (for RIP-relative addressing,
 * which counts from the next instruction). */
static int imm_size(int map, uint8_t op, int reg, bool o16)
{
	int z = o16 ? 2 : 4;
	if (map == 3)
		return 1;
	if (map == 1)
		return (op >= 0x70 && op <= 0x73) || op == 0xa4 || op == 0xac || op == 0xba ||
		       (op >= 0xc2 && op <= 0xc6) ? 1 : 0;
	if (map != 0)
		return 0;
	if (op == 0x80 || op == 0x82 || op == 0x83 || op == 0xc0 || op == 0xc1 || op == 0xc6 ||
	    op == 0x6b)
		return 1;
	if (op == 0x81 || op == 0xc7 || op == 0x69)
		return z;
	if (op == 0xf6 && reg < 2)
		return 1;
	if (op == 0xf7 && reg < 2)
		return z;
	return 0;
}

/* push, pop, call, ret, enter, leave, pushf, popf, iret: the stack. */
static bool implicit_stack(uint8_t op, int reg)
{
	return (op >= 0x50 && op <= 0x5f) || op == 0x68 || op == 0x6a || op == 0x9c ||
	       op == 0x9d || op == 0xc2 || op == 0xc3 || op == 0xc8 || op == 0xc9 ||
	       op == 0xca || op == 0xcb || op == 0xcf || op == 0xe8 ||
	       (op == 0xff && (reg == 2 || reg == 3 || reg == 6)) || op == 0x8f;
}

bool insn_mem_operand(struct vcpu *v, uint64_t lip, struct mem_operand *m)
{
	struct cpu *c = &v->cpu;
	uint8_t p[15];
	uint32_t n = 15;
	memset(m, 0, sizeof *m);
	if (cpu_code_size(c) != 8)
		return false;
	while (n && !lin_read(v, lip, p, n))             /* the end of a readable page */
		n--;
	uint32_t i = 0;
	bool a32 = false, o16 = false;
	int seg = -1, map = 0;
	uint8_t rex = 0;
	for (; i < n; i++) {
		uint8_t b = p[i];
		if (b == 0x67)
			a32 = true;
		else if (b == 0x66)
			o16 = true;
		else if (b == 0x64 || b == 0x65)
			seg = b == 0x64 ? SEG_FS : SEG_GS;
		else if (!(b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x36 ||
			   b == 0x3e || b == 0x26))
			break;
	}
	if (i < n && (p[i] & 0xf0) == 0x40)
		rex = p[i++];
	if (i + 2 < n && (p[i] == 0xc4 || p[i] == 0xc5)) {       /* VEX: R X B inverted */
		uint8_t b1 = p[i + 1];
		rex = (uint8_t)(0x40 | (b1 & 0x80 ? 0 : 4));
		if (p[i] == 0xc4) {
			rex |= (b1 & 0x40 ? 0 : 2) | (b1 & 0x20 ? 0 : 1);
			map = b1 & 0x1f;
			i += 3;
		} else {
			map = 1;
			i += 2;
		}
	} else if (i + 1 < n && p[i] == 0x0f) {
		map = 1;
		i++;
		if (i + 1 < n && (p[i] == 0x38 || p[i] == 0x3a)) {
			map = p[i] == 0x38 ? 2 : 3;
			i++;
		}
	}
	if (i >= n)
		return false;
	uint8_t op = p[i++];
	int reg = i < n ? (p[i] >> 3 & 7) : 0;
	uint64_t rsp = reg_get(c, UC_X86_REG_RSP);
	if (map == 0 && implicit_stack(op, reg)) {
		/* The push below RSP or the pop at it (which one faults: both are
		 * non-canonical together but at the 47/48 edge). */
		m->valid = m->stack = true;
		m->seg = SEG_SS;
		m->ea = (op >= 0x58 && op <= 0x5f) || op == 0x9d || op == 0xc2 || op == 0xc3 ||
			op == 0xca || op == 0xcb || op == 0xcf || op == 0x8f ? rsp : rsp - 8;
		return true;
	}
	if ((map == 0 && !modrm_map0(op)) || (map == 1 && !modrm_map1(op)) || map > 3 || i >= n)
		return false;
	uint8_t modrm = p[i++];
	int mod = modrm >> 6, rm = modrm & 7;
	if (mod == 3)
		return false;                                /* a register operand */
	uint64_t ea = 0;
	int base = -1;
	bool riprel = false;
	if (rm == 4) {                                       /* SIB */
		if (i >= n)
			return false;
		uint8_t sib = p[i++];
		int index = (sib >> 3 & 7) | (rex & 2 ? 8 : 0);
		base = (sib & 7) | (rex & 1 ? 8 : 0);
		if (index != 4)
			ea += reg_get(c, cpu_gpr(index)) << (sib >> 6);
		if ((sib & 7) == 5 && mod == 0)
			base = -1;                               /* disp32, no base */
	} else if (rm == 5 && mod == 0) {
		riprel = true;
	} else {
		base = rm | (rex & 1 ? 8 : 0);
	}
	int32_t disp = 0;
	int dsize = mod == 1 ? 1 : (mod == 2 || (mod == 0 && (riprel || (rm == 4 && base < 0)))) ? 4 : 0;
	if (i + (uint32_t)dsize > n)
		return false;
	if (dsize == 1)
		disp = (int8_t)p[i];
	else if (dsize == 4)
		memcpy(&disp, p + i, 4);
	i += (uint32_t)dsize;
	if (base >= 0)
		ea += reg_get(c, cpu_gpr(base));
	ea += (uint64_t)(int64_t)disp;
	if (riprel)
		ea += reg_get(c, UC_X86_REG_RIP) + i + (uint32_t)imm_size(map, op, reg, o16);
	if (a32)
		ea = (uint32_t)ea;
	/* RSP or RBP as the base: SS (an FS/GS override wins; CS/DS/ES/SS
	 * overrides are ignored in 64-bit mode). */
	m->seg = seg >= 0 ? seg : (base == 4 || base == 5) ? SEG_SS : SEG_DS;
	if (seg >= 0)
		ea += cpu_seg_base(c, seg);
	m->ea = ea;
	m->valid = true;
	return true;
}

/* QEMU's #GP(0) for a non-canonical address, made the #SS(0) the CPU raises
 * when the access is through SS. */
void insn_stack_fault(struct vcpu *v, struct event *ev)
{
	struct mem_operand m;
	if (ev->kind != EV_EXCEPTION || ev->vector != X86_GP || ev->err != 0 ||
	    !insn_mem_operand(v, cpu_lip(&v->cpu), &m))
		return;
	if (m.seg == SEG_SS && !x86_canonical(m.ea))
		*ev = event_exception(X86_SS, 0);
}
