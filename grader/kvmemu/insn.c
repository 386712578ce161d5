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
 *   - an MMIO access is split and reported as KVM's emulator does it
 *     (x86.c emulator_read_write: the operand's bytes, page by page, in
 *     fragments), where QEMU reports pieces of its own making (aligned
 *     chunks, halves): mmio.c needs the operand's address and size.
 * Every mode: 16-, 32- and 64-bit code (CS.D, CS.L; 66 and 67 switch the
 * operand and address sizes), 16-bit addressing's BX/BP/SI/DI forms, and
 * the segment bases outside 64-bit mode, where every override counts.
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

/* Bytes of the ModRM memory operand (SDM vol. 2, appendix A: Eb is 1, Ev is
 * 2, 4 or 8 by 66 and REX.W; SSE forms by their mandatory prefix), for the
 * instructions a guest uses on MMIO. 0: not known here (mmio.c then keeps
 * QEMU's view of the access). */
static uint32_t operand_size(int map, uint8_t op, int reg, uint8_t rex, bool o16, bool p66,
			     uint8_t rep)
{
	uint32_t v = rex & 8 ? 8 : o16 ? 2 : 4;
	if (map == 0) {
		if (op < 0x40 && (op & 7) < 4)               /* ALU Eb,Gb Ev,Gv Gb,Eb Gv,Ev */
			return op & 1 ? v : 1;
		switch (op) {
		case 0x80: case 0x84: case 0x86: case 0x88: case 0x8a: case 0xc0: case 0xc6:
		case 0xd0: case 0xd2: case 0xf6: case 0xfe:
			return 1;
		case 0x69: case 0x6b: case 0x81: case 0x83: case 0x85: case 0x87: case 0x89:
		case 0x8b: case 0xc1: case 0xc7: case 0xd1: case 0xd3: case 0xf7:
			return v;
		case 0x63:                                   /* movsxd: r/m32 (r/m16 with 66) */
			return o16 ? 2 : 4;
		case 0x8c: case 0x8e:                        /* mov to/from Sreg: 16 bits */
			return 2;
		case 0xff:                                   /* inc, dec; call, jmp near */
			return reg < 2 ? v : (reg == 2 || reg == 4) ? (rex & 0x40 ? 8 : v) : 0;
		}
		return 0;
	}
	if (map != 1)
		return 0;
	if ((op >= 0x40 && op <= 0x4f) || op == 0xaf || op == 0xb1 || op == 0xc1 || op == 0xba)
		return v;                                    /* cmov, imul, cmpxchg, xadd, bt imm */
	if ((op >= 0x90 && op <= 0x9f) || op == 0xb0 || op == 0xb6 || op == 0xbe || op == 0xc0)
		return 1;                                    /* setcc, cmpxchg, movzx/movsx Eb, xadd */
	switch (op) {
	case 0xb7: case 0xbf:                                /* movzx, movsx Ew */
		return 2;
	case 0x10: case 0x11:                                /* movups/movupd, movss, movsd */
		return rep == 0xf3 ? 4 : rep == 0xf2 ? 8 : 16;
	case 0x12: case 0x13: case 0x16: case 0x17: case 0xd6:   /* movlps, movhps, movq */
		return 8;
	case 0x28: case 0x29: case 0x2b:                     /* movaps, movapd, movntps */
		return 16;
	case 0x6e: case 0x7e:                                /* movd/movq; f3 0f 7e: movq */
		return op == 0x7e && rep == 0xf3 ? 8 : rex & 8 ? 8 : 4;
	case 0x6f: case 0x7f: case 0xe7:                     /* movq mm, movdqa/movdqu, movntdq */
		return p66 || (rep == 0xf3 && op != 0xe7) ? 16 : 8;
	case 0xc3:                                           /* movnti */
		return rex & 8 ? 8 : 4;
	}
	return 0;
}

/* Bytes after the opcode of a one-byte-map instruction without ModRM
 * (table A-2), for walking a block; -1: not known here. */
static int plain_size(uint8_t op, uint8_t rex, bool o16, bool m64)
{
	int z = o16 ? 2 : 4;
	if (op >= 0x40 && op <= 0x4f)
		return 0;         /* inc, dec outside 64-bit mode (there: REX) */
	if ((op < 0x40 && (op & 7) == 4) || op == 0x6a || op == 0xa8 || op == 0xeb ||
	    (op >= 0x70 && op <= 0x7f) || (op >= 0xb0 && op <= 0xb7) ||
	    (op >= 0xe4 && op <= 0xe7) || op == 0xcd)
		return 1;
	if ((op < 0x40 && (op & 7) == 5) || op == 0x68 || op == 0xa9)
		return z;
	if (op >= 0xb8 && op <= 0xbf)
		return rex & 8 ? 8 : z;
	if (op == 0xe8 || op == 0xe9)
		return m64 ? 4 : z;
	if (op == 0xc2)
		return 2;
	if ((op >= 0x50 && op <= 0x5f) || (op >= 0x90 && op <= 0x99) || op == 0x9c ||
	    op == 0x9d || op == 0xc3 || op == 0xc9 || op == 0xcc || op == 0xf4 ||
	    (op >= 0xf8 && op <= 0xfd))
		return 0;
	return -1;                /* string instructions too: they access memory */
}

/* push, pop, call, ret, enter, leave, pushf, popf, iret: the stack. */
static bool implicit_stack(uint8_t op, int reg)
{
	return (op >= 0x50 && op <= 0x5f) || op == 0x68 || op == 0x6a || op == 0x9c ||
	       op == 0x9d || op == 0xc2 || op == 0xc3 || op == 0xc8 || op == 0xc9 ||
	       op == 0xca || op == 0xcb || op == 0xcf || op == 0xe8 ||
	       (op == 0xff && (reg == 2 || reg == 3 || reg == 6)) || op == 0x8f;
}

/* 16-bit addressing (SDM vol. 2, table 2-1): BX or BP, plus SI or DI, plus
 * a displacement, 16 bits wide; BP's forms use SS. */
static bool modrm16(struct vcpu *v, struct mem_operand *m, const uint8_t *p, uint32_t i,
		    uint32_t n, int mod, int rm, int seg, int map, uint8_t op, int reg,
		    uint8_t rex, bool o16, bool p66, uint8_t rep)
{
	static const int8_t base[8] = { 3, 3, 5, 5, -1, -1, 5, 3 };   /* BX BP (encodings) */
	static const int8_t index[8] = { 6, 7, 6, 7, 6, 7, -1, -1 };  /* SI DI */
	struct cpu *c = &v->cpu;
	uint64_t ea = 0;
	bool direct = mod == 0 && rm == 6;                   /* disp16 alone */
	int dsize = direct || mod == 2 ? 2 : mod == 1 ? 1 : 0;
	if (i + (uint32_t)dsize > n)
		return false;
	if (dsize == 1)
		ea = (uint64_t)(int64_t)(int8_t)p[i];
	else if (dsize == 2)
		ea = (uint16_t)(p[i] | p[i + 1] << 8);
	i += (uint32_t)dsize;
	if (!direct && base[rm] >= 0)
		ea += reg_get(c, cpu_gpr(base[rm]));
	if (!direct && index[rm] >= 0)
		ea += reg_get(c, cpu_gpr(index[rm]));
	m->seg = seg >= 0 ? seg : !direct && base[rm] == 5 ? SEG_SS : SEG_DS;
	m->ea = (uint32_t)(cpu_seg_base(c, m->seg) + (uint16_t)ea);
	m->len = operand_size(map, op, reg, rex, o16, p66, rep);
	m->insn_len = i + (uint32_t)imm_size(map, op, reg, o16);
	m->valid = true;
	return true;
}

bool insn_mem_operand(struct vcpu *v, uint64_t lip, struct mem_operand *m)
{
	struct cpu *c = &v->cpu;
	uint8_t p[15];
	uint32_t n = 15;
	memset(m, 0, sizeof *m);
	int csz = cpu_code_size(c);
	bool m64 = csz == 8;
	while (n && !lin_read(v, lip, p, n))             /* the end of a readable page */
		n--;
	uint32_t i = 0;
	bool a67 = false, p66 = false;
	int seg = -1, map = 0;
	uint8_t rex = 0, rep = 0;
	bool vex = false;
	for (; i < n; i++) {
		uint8_t b = p[i];
		if (b == 0x67)
			a67 = true;
		else if (b == 0x66)
			p66 = true;
		else if (b == 0x64 || b == 0x65)
			seg = b == 0x64 ? SEG_FS : SEG_GS;
		else if (b == 0xf2 || b == 0xf3)
			rep = b;
		else if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e)
			seg = m64 ? seg : b == 0x26 ? SEG_ES : b == 0x2e ? SEG_CS :
			      b == 0x36 ? SEG_SS : SEG_DS;   /* ignored in 64-bit mode */
		else if (b != 0xf0)
			break;
	}
	/* The sizes: 16-bit code's default is 16 bits, 66 and 67 switch. */
	bool o16 = m64 ? p66 : (csz == 2) != p66;
	uint32_t asz = m64 ? (a67 ? 4 : 8) : (csz == 2) != a67 ? 2 : 4;
	if (m64 && i < n && (p[i] & 0xf0) == 0x40)
		rex = p[i++];
	if (m64)
		rex |= 0x40;          /* (a mark: 64-bit mode, for operand_size) */
	if (!m64 && i < n && (p[i] == 0xc4 || p[i] == 0xc5 || p[i] == 0x62))
		return false;         /* VEX/EVEX or LES/LDS/BOUND: not decoded here */
	if (i + 2 < n && (p[i] == 0xc4 || p[i] == 0xc5)) {       /* VEX: R X B inverted */
		uint8_t b1 = p[i + 1];
		vex = true;
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
	m->map = map;
	m->op = op;
	m->reg = (uint8_t)reg;
	m->osize = rex & 8 ? 8 : o16 ? 2 : 4;
	if (map == 0 && ((op < 0x40 && !(op & 1)) || op == 0x80 || op == 0x84 || op == 0xa8 ||
			 op == 0xc0 || op == 0xd0 || op == 0xd2 || op == 0xf6 || op == 0xfe))
		m->osize = 1;
	uint64_t rsp = reg_get(c, UC_X86_REG_RSP);
	if (map == 0 && implicit_stack(op, reg)) {
		/* The push below RSP or the pop at it (which one faults: both are
		 * non-canonical together but at the 47/48 edge). */
		m->valid = m->stack = true;
		m->seg = SEG_SS;
		if (op != 0xff && op != 0x8f && plain_size(op, rex, o16, m64) >= 0)
			m->insn_len = i + (uint32_t)plain_size(op, rex, o16, m64);
		m->ea = (op >= 0x58 && op <= 0x5f) || op == 0x9d || op == 0xc2 || op == 0xc3 ||
			op == 0xca || op == 0xcb || op == 0xcf || op == 0x8f ? rsp : rsp - 8;
		return true;
	}
	if (map == 0 && op >= 0xa0 && op <= 0xa3) {          /* mov AL/rAX, moffs */
		uint32_t w = asz;
		if (i + w > n)
			return false;
		uint64_t off = 0;
		memcpy(&off, p + i, w);
		m->seg = seg >= 0 ? seg : SEG_DS;
		m->ea = off + (seg >= 0 || !m64 ? cpu_seg_base(c, m->seg) : 0);
		if (!m64)
			m->ea = (uint32_t)m->ea;
		m->len = op & 1 ? (rex & 8 ? 8 : o16 ? 2 : 4) : 1;
		m->insn_len = i + w;
		m->valid = true;
		return true;
	}
	if (map == 0 && op >= 0xa4 && op <= 0xaf && op != 0xa8 && op != 0xa9) {
		/* String instructions (SDM vol. 2, "MOVS"...): DS:rSI (any
		 * override) and ES:rDI, one element of 1, 2, 4 or 8 bytes. */
		uint64_t amask = asz == 8 ? ~0ull : asz == 4 ? 0xffffffffull : 0xffff;
		uint8_t k = op & 0xfe;
		m->string = m->valid = true;
		m->src = k == 0xa4 || k == 0xa6 || k == 0xac;
		m->dst = k != 0xac;
		m->seg = seg >= 0 ? seg : SEG_DS;
		m->ea = (reg_get(c, UC_X86_REG_RSI) & amask) +
			(seg >= 0 || !m64 ? cpu_seg_base(c, m->seg) : 0);
		m->ea2 = (reg_get(c, UC_X86_REG_RDI) & amask) + (m64 ? 0 : cpu_seg_base(c, SEG_ES));
		if (!m64) {
			m->ea = (uint32_t)m->ea;
			m->ea2 = (uint32_t)m->ea2;
		}
		m->len = op & 1 ? m->osize : 1;
		m->insn_len = i;
		return true;
	}
	if (map == 0 && !modrm_map0(op)) {
		if (plain_size(op, rex, o16, m64) >= 0)
			m->insn_len = i + (uint32_t)plain_size(op, rex, o16, m64);
		return false;
	}
	if (map == 1 && !modrm_map1(op)) {
		if ((op >= 0x80 && op <= 0x8f) || op == 0x05 || op == 0xa2 || (op >= 0x30 && op <= 0x33) ||
		    (op >= 0xc8 && op <= 0xcf))
			m->insn_len = i + (op >= 0x80 && op <= 0x8f ? (m64 || !o16 ? 4 : 2) : 0);   /* jcc */
		return false;
	}
	if (map > 3 || i >= n)
		return false;
	uint8_t modrm = p[i++];
	int mod = modrm >> 6, rm = modrm & 7;
	m->modrm = modrm;
	m->rex = rex;
	if (mod == 3) {                                      /* a register operand */
		m->insn_len = i + (uint32_t)imm_size(map, op, reg, o16);
		return false;
	}
	uint64_t ea = 0;
	int base = -1;
	bool riprel = false;
	if (asz == 2)
		return modrm16(v, m, p, i, n, mod, rm, seg, map, op, reg, rex, o16, p66, rep);
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
		riprel = m64;                                /* else disp32 */
	} else {
		base = rm | (rex & 1 ? 8 : 0);
	}
	int32_t disp = 0;
	bool disp32 = mod == 0 && ((rm == 5) || (rm == 4 && base < 0));   /* RIP-relative or not */
	int dsize = mod == 1 ? 1 : (mod == 2 || disp32) ? 4 : 0;
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
		ea += lip + i + (uint32_t)imm_size(map, op, reg, o16);   /* CS base 0 */
	if (asz == 4)
		ea = (uint32_t)ea;
	/* RSP or RBP as the base: SS (an FS/GS override wins; CS/DS/ES/SS
	 * overrides are ignored in 64-bit mode, where their bases are 0). */
	m->seg = seg >= 0 ? seg : (base == 4 || base == 5) ? SEG_SS : SEG_DS;
	if (seg >= 0 || !m64)
		ea += cpu_seg_base(c, m->seg);
	m->ea = m64 ? ea : (uint32_t)ea;
	m->len = vex ? 0 : operand_size(map, op, reg, rex, o16, p66, rep);
	m->insn_len = i + (uint32_t)imm_size(map, op, reg, o16);
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
