#!/usr/bin/python3
"""gen.py - seeded long-mode guests for the differential harness.

    gen.py --out DIR --from SEED --count N      DIR/seed-<SEED>.asm and .bin
    gen.py --seed SEED                          one guest's nasm text on stdout

A guest (machine.inc's machine) is a random sequence of blocks: ALU ops and
their flags, loads and stores across page and slot boundaries, MMIO and PIO
of every size and string form, writes to the read-only slot, page-table edits
with INVLPG, and faults of every class (not present, W, U/S by SMAP, NX,
reserved bits, non-canonical #GP and #SS, #DE, #UD, #GP, #DB by TF, #BP, INT n;
not INT1/ICEBP, nor MOV to CR4 with bits 63:32 set: the QEMU oracle can't
say what upstream does there, FACTS.md),
each delivered through the 64-bit IDT and resumed with IRETQ. After every
block the guest reports with an `out DIGEST_PORT, eax` exit (every register is
in the trace there); every few blocks RAX is first a hash of the scratch RAM.
The same seed gives the same text on every machine (splitmix64, no `random`).
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REGS = ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14"]
SUB = {8: {"rax": "al", "rbx": "bl", "rcx": "cl", "rdx": "dl", "rsi": "sil", "rdi": "dil", "rbp": "bpl"},
       16: {"rax": "ax", "rbx": "bx", "rcx": "cx", "rdx": "dx", "rsi": "si", "rdi": "di", "rbp": "bp"},
       32: {"rax": "eax", "rbx": "ebx", "rcx": "ecx", "rdx": "edx", "rsi": "esi", "rdi": "edi", "rbp": "ebp"}}
for n in range(8, 16):
    SUB[8]["r%d" % n], SUB[16]["r%d" % n], SUB[32]["r%d" % n] = "r%db" % n, "r%dw" % n, "r%dd" % n
SIZE = {1: "byte", 2: "word", 4: "dword", 8: "qword"}
SCRATCH, SLOT1, ROM, MMIO, MMIO_HI = 0x180000, 0x200000, 0x400000, 0x410000, 0xd0000000


class Rng:
    """splitmix64: the same numbers everywhere, for ever."""
    def __init__(self, seed):
        self.s = seed & (2**64 - 1)

    def u64(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & (2**64 - 1)
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & (2**64 - 1)
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & (2**64 - 1)
        return z ^ (z >> 31)

    def below(self, n):
        return self.u64() % n

    def pick(self, seq):
        return seq[self.below(len(seq))]

    def chance(self, pct):
        return self.below(100) < pct


def reg(r, bits):
    return r if bits == 64 else SUB[bits][r]


class Guest:
    def __init__(self, seed):
        self.r = Rng(seed * 0x100000001B3 + 0x5EED)
        self.seed = seed
        self.lines = []
        self.label = 0
        self.smap = False

    def emit(self, *lines):
        self.lines.extend(lines)

    def new_label(self):
        self.label += 1
        return ".L%d" % self.label

    def anyreg(self):
        return self.r.pick(REGS)

    # ---- addresses ----
    def data_addr(self, size):
        """A RAM address for a load or store: scratch, slot 1, and the page
        and slot boundaries (the slot 0/1 boundary is 0x200000)."""
        r = self.r
        k = r.below(5)
        if k == 0:
            return SCRATCH + r.below(0x80000 - 8)
        if k == 1:
            return SLOT1 + r.below(0x200000 - 8)
        if k == 2:
            return SLOT1 - size + 1 + r.below(size - 1 if size > 1 else 1)   # straddles slots 0/1
        if k == 3:
            page = SLOT1 + (r.below(0x1ff) + 1) * 0x1000
            return page - r.below(size) - (0 if size > 1 else 1)            # straddles a page
        return SCRATCH + 0x1000 * r.below(0x80) + r.pick([0, 0xff8, 0xffc, 0xffe, 0xfff]) % (0x1000 - size + 1)

    def mmio_addr(self, size):
        r = self.r
        k = r.below(4)
        if k == 0:
            return MMIO + r.below(0x1000) * 8 % 0x1f0000
        if k == 1:
            return MMIO_HI + r.below(0x100000)
        if k == 2:
            return ROM + 0x10000 - r.below(size) - (1 if size == 1 else 0)      # ROM/MMIO straddle
        return MMIO + r.below(0x1f0000)

    # ---- blocks ----
    def alu(self):
        r = self.r
        for _ in range(1 + r.below(8)):
            a, b = self.anyreg(), self.anyreg()
            bits = r.pick([8, 16, 32, 64, 64, 64])
            op = r.pick(["add", "sub", "adc", "sbb", "and", "or", "xor", "cmp", "test", "inc", "dec", "neg",
                         "not", "shl", "shr", "sar", "rol", "ror", "imul", "imm", "lea", "bt", "bts", "setcc",
                         "cmov", "xchg", "bswap", "movzx", "movsx", "rcl", "rcr", "shld", "mul", "xadd"])
            A, B = reg(a, bits), reg(b, bits)
            imm = r.u64() & ((1 << min(bits, 32)) - 1)
            if bits == 64 and imm >= 1 << 31:
                imm -= 1 << 32
            cc = r.pick(["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"])
            if op in ("add", "sub", "adc", "sbb", "and", "or", "xor", "cmp", "test"):
                self.emit("%s %s, %s" % (op, A, B if r.chance(50) else str(imm)))
            elif op in ("inc", "dec", "neg", "not"):
                self.emit("%s %s" % (op, A))
            elif op in ("shl", "shr", "sar", "rol", "ror", "rcl", "rcr"):
                self.emit("%s %s, %d" % (op, A, 1 + r.below(bits - 1)))
            elif op == "imul" and bits > 8:
                self.emit("imul %s, %s" % (A, B))
            elif op == "imm":
                self.emit("mov %s, %d" % (reg(a, 64), r.u64()))
            elif op == "lea":
                self.emit("lea %s, [%s + %s * %d + %d]" % (a, a, b, r.pick([1, 2, 4, 8]), r.below(1 << 20)))
            elif op in ("bt", "bts") and bits > 8:
                self.emit("%s %s, %d" % (op, A, r.below(bits)))
            elif op == "setcc":
                self.emit("set%s %s" % (cc, reg(a, 8)))
            elif op == "cmov" and bits > 8:
                self.emit("cmov%s %s, %s" % (cc, A, B))
            elif op == "xchg":
                self.emit("xchg %s, %s" % (A, B))
            elif op == "bswap" and bits >= 32:
                self.emit("bswap %s" % A)
            elif op in ("movzx", "movsx") and bits > 8:
                self.emit("%s %s, %s" % (op, A, reg(b, 8)))
            elif op == "shld" and bits > 8:
                self.emit("shld %s, %s, %d" % (A, B, 1 + r.below(bits - 1)))
            elif op == "mul":
                self.emit("mul %s" % A)
            elif op == "xadd":
                self.emit("xadd %s, %s" % (A, B))
        if r.chance(30):
            self.emit("pushfq", "pop r15")

    def mem(self):
        r = self.r
        for _ in range(1 + r.below(4)):
            size = r.pick([1, 2, 4, 8])
            a, x = self.data_addr(size), self.anyreg()
            k = r.below(4)
            if k == 0:
                self.emit("mov %s [%#x], %s" % (SIZE[size], a, reg(x, size * 8)))
            elif k == 1:
                self.emit("mov %s, [%#x]" % (reg(x, size * 8), a))
            elif k == 2:
                self.emit("add %s [%#x], %s" % (SIZE[size], a, reg(x, size * 8)))
            else:
                self.emit("mov %s [%#x], %d" % (SIZE[size], a, r.below(1 << min(31, size * 8))))

    def mmio(self):
        r = self.r
        k = r.below(8)
        if k == 7:
            a = self.mmio_addr(16) & ~0xf
            if r.chance(50):
                self.emit("mov rbx, %#x" % a, "movdqu xmm0, [rbx]", "movq rax, xmm0", "psrldq xmm0, 8",
                          "movq rcx, xmm0")
            else:
                self.emit("mov rbx, %#x" % a, "movq xmm1, rsi", "movdqu [rbx], xmm1")
            return
        size = r.pick([1, 2, 4, 8])
        a, x = self.mmio_addr(size), self.anyreg()
        self.emit("mov rbx, %#x" % a)
        if x == "rbx":
            x = "rcx"
        if k < 3:
            self.emit("mov %s [rbx], %s" % (SIZE[size], reg(x, size * 8)))
        elif k < 6:
            self.emit("mov %s, [rbx]" % reg(x, size * 8))
        else:
            self.emit("add %s [rbx], %s" % (SIZE[size], reg(x, size * 8)))

    def rom(self):
        r = self.r
        size = r.pick([1, 2, 4, 8])
        a = ROM + r.below(0x10000 - size)
        x = self.anyreg()
        if r.chance(60):
            self.emit("mov %s [%#x], %s" % (SIZE[size], a, reg(x, size * 8)))
        else:
            self.emit("mov %s, [%#x]" % (reg(x, size * 8), a))

    def pio(self):
        r = self.r
        size = r.pick([1, 2, 4])
        acc = {1: "al", 2: "ax", 4: "eax"}[size]
        port = r.below(0x100)
        if port in (0xe0, 0xe4):
            port = 0x80
        k = r.below(6)
        if k == 0:
            self.emit("out %#x, %s" % (port, acc))
        elif k == 1:
            self.emit("mov dx, %#x" % (port | r.below(0x100) << 8), "out dx, %s" % acc)
        elif k == 2:
            self.emit("in %s, %#x" % (acc, port))
        elif k == 3:
            self.emit("mov dx, %#x" % (port | r.below(0x100) << 8), "in %s, dx" % acc)
        else:
            suffix = {1: "b", 2: "w", 4: "d"}[size]
            n = 1 + r.below(5)
            std = r.chance(25)
            buf = SCRATCH + r.below(0x7f000) + (0x40 if std else 0)
            ins = k == 4
            self.emit("mov dx, %#x" % port, "mov %s, %#x" % ("rdi" if ins else "rsi", buf))
            if std:
                self.emit("std")
            if r.chance(70):
                self.emit("mov rcx, %d" % n, "rep %s%s" % ("ins" if ins else "outs", suffix))
            else:
                self.emit("%s%s" % ("ins" if ins else "outs", suffix))
            if std:
                self.emit("cld")

    def fault(self):
        r = self.r
        L = self.new_label()
        kinds = ["pf_np", "pf_w", "pf_nx", "pf_rsvd", "pf_us", "gp_noncanon", "ss_noncanon", "de", "de_ovf",
                 "ud", "gp_msr", "gp_cr4", "db_tf", "bp", "int"]
        k = r.pick(kinds)
        page = SLOT1 + r.below(0x200) * 0x1000
        off = r.below(0x1000 - 8)
        pte = 0x4000 + (page >> 12) * 8
        if k == "pf_np":
            self.emit("and qword [%#x], ~1" % pte, "invlpg [%#x]" % page, "expect_fault %s" % L,
                      "mov rax, [%#x]" % (page + off), "%s:" % L, "or qword [%#x], 1" % pte, "invlpg [%#x]" % page)
        elif k == "pf_w":
            self.emit("and qword [%#x], ~2" % pte, "invlpg [%#x]" % page, "expect_fault %s" % L,
                      "mov qword [%#x], rbx" % (page + off), "%s:" % L, "or qword [%#x], 2" % pte,
                      "invlpg [%#x]" % page)
        elif k == "pf_nx":
            self.emit("mov byte [%#x], 0xc3" % page, "bts qword [%#x], 63" % pte, "invlpg [%#x]" % page,
                      "expect_fault %s" % L, "mov rax, %#x" % page, "jmp rax", "%s:" % L,
                      "btr qword [%#x], 63" % pte, "invlpg [%#x]" % page)
        elif k == "pf_rsvd":
            bit = 40 + r.below(12)
            self.emit("bts qword [%#x], %d" % (pte, bit), "invlpg [%#x]" % page, "expect_fault %s" % L,
                      "mov rax, [%#x]" % (page + off), "%s:" % L, "btr qword [%#x], %d" % (pte, bit),
                      "invlpg [%#x]" % page)
        elif k == "pf_us":
            if not self.smap:
                self.smap = True
                self.emit("mov rax, cr4", "bts rax, 21", "mov cr4, rax")   # CR4.SMAP
            self.emit("or qword [%#x], 4" % pte, "invlpg [%#x]" % page, "expect_fault %s" % L,
                      "mov rax, [%#x]" % (page + off), "%s:" % L, "and qword [%#x], ~4" % pte,
                      "invlpg [%#x]" % page)
        elif k == "gp_noncanon":
            self.emit("mov rbx, %#x" % ((0x8000 + r.below(0x7fff)) << 48 | r.below(1 << 47)),
                      "expect_fault %s" % L, "mov rax, [rbx]", "%s:" % L)
        elif k == "ss_noncanon":
            self.emit("mov rbp, %#x" % (0x0000800000000000 | r.below(1 << 40)), "expect_fault %s" % L,
                      "mov rax, [rbp + %d]" % r.below(128), "%s:" % L, "mov rbp, %#x" % (SCRATCH + r.below(0x1000)))
        elif k == "de":
            self.emit("xor ecx, ecx", "expect_fault %s" % L, r.pick(["div rcx", "idiv ecx", "div cl"]), "%s:" % L)
        elif k == "de_ovf":
            self.emit("mov rax, 0x8000000000000000", "cqo", "mov rcx, -1", "expect_fault %s" % L, "idiv rcx",
                      "%s:" % L)
        elif k == "ud":
            self.emit("expect_fault %s" % L, "ud2", "%s:" % L)
        elif k == "gp_msr":
            self.emit("mov ecx, %#x" % (0x12340000 + r.below(0x10000)), "expect_fault %s" % L, "rdmsr",
                      "%s:" % L)
        elif k == "gp_cr4":
            self.emit("mov rax, cr4", "bts rax, %d" % r.pick([15, 19, 26, 27, 31, 30]), "expect_fault %s" % L,
                      "mov cr4, rax", "%s:" % L)
        elif k == "db_tf":
            self.emit("pushfq", "or qword [rsp], 0x100", "popfq", "add rax, %d" % r.below(1000), "nop")
        elif k == "bp":
            self.emit("int3")
        else:
            self.emit("int 0x40")

    def remap(self):
        """Point a slot-1 page at another one, use it, put it back."""
        r = self.r
        page, other = SLOT1 + r.below(0x200) * 0x1000, SLOT1 + r.below(0x200) * 0x1000
        pte = 0x4000 + (page >> 12) * 8
        off = r.below(0x1000 - 8)
        self.emit("mov rax, [%#x]" % pte, "mov rcx, %#x" % (other | 3), "mov [%#x], rcx" % pte,
                  "invlpg [%#x]" % page, "mov rdx, [%#x]" % (page + off), "add qword [%#x], rdx" % (page + off),
                  "mov [%#x], rax" % pte, "invlpg [%#x]" % page)

    def digest(self):
        """RAX = FNV-1a-ish hash of the first 512 bytes of each of 4 scratch pages."""
        self.emit("push rsi", "push rcx", "push rdx", "mov rax, 0xcbf29ce484222325", "mov rsi, %#x" % SCRATCH,
                  "mov ecx, 256", "%s:" % (L := self.new_label()), "xor rax, [rsi]", "mov rdx, 0x100000001b3",
                  "imul rax, rdx", "add rsi, 0x800", "cmp rsi, %#x" % (SCRATCH + 0x80000), "jb %s_c" % L,
                  "sub rsi, 0x7fff8", "%s_c:" % L, "dec ecx", "jnz %s" % L, "pop rdx", "pop rcx", "pop rsi")

    def build(self):
        r = self.r
        self.emit("; seed %d (gen.py)" % self.seed, '%include "machine.inc"')
        for x in REGS:
            self.emit("mov %s, %#x" % (x, r.u64()))
        blocks = [self.alu] * 6 + [self.mem] * 5 + [self.mmio] * 4 + [self.pio] * 4 + [self.fault] * 6 + \
                 [self.rom] * 2 + [self.remap] * 2
        for i in range(12 + r.below(20)):
            r.pick(blocks)()
            if i % 5 == 4:
                self.digest()
            self.emit("out 0xe4, eax")
        self.emit("hlt")
        return "\n".join(l if l.endswith(":") or l.startswith(("%", ";")) else "\t" + l for l in self.lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out")
    ap.add_argument("--from", dest="first", type=int, default=1)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--seed", type=int)
    a = ap.parse_args()
    if a.seed is not None:
        sys.stdout.write(Guest(a.seed).build())
        return
    if not a.out or a.first < 0 or a.count < 1:
        sys.exit("usage: gen.py --out DIR --from SEED --count N   or   gen.py --seed SEED")
    os.makedirs(a.out, exist_ok=True)
    for s in range(a.first, a.first + a.count):
        asm = os.path.join(a.out, "seed-%d.asm" % s)
        with open(asm, "w") as f:
            f.write(Guest(s).build())
        r = subprocess.run(["nasm", "-f", "bin", "-I", HERE + "/", "-o", asm[:-4] + ".bin", asm],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("gen.py: seed %d: nasm: %s" % (s, r.stderr.strip()))


if __name__ == "__main__":
    main()
