/* test_pio.c - port I/O exits (KVM_EXIT_IO), after userspace_io_test.c. */
#include "tests.h"
#include "check_decl.h"

#include <stdio.h>
#include <string.h>

CHECK_SUITE("pio", "pio", NULL, NULL, 0);

#define OUT KVM_EXIT_IO_OUT
#define IN  KVM_EXIT_IO_IN

static void want_regs(struct vmm *v, const char *when, uint64_t rip, uint64_t rsi,
		      uint64_t rdi, uint64_t rcx, const char *file, int line)
{
	struct kvm_regs r;
	vmm_get_regs(v, &r, file, line);
	char what[128];
	snprintf(what, sizeof what, "%s: rip", when);
	vmm_want_u64(v, what, rip, r.rip, file, line);
	if (rsi != ~0ULL) {
		snprintf(what, sizeof what, "%s: rsi", when);
		vmm_want_u64(v, what, rsi, r.rsi, file, line);
	}
	if (rdi != ~0ULL) {
		snprintf(what, sizeof what, "%s: rdi", when);
		vmm_want_u64(v, what, rdi, r.rdi, file, line);
	}
	if (rcx != ~0ULL) {
		snprintf(what, sizeof what, "%s: rcx", when);
		vmm_want_u64(v, what, rcx, r.rcx, file, line);
	}
}
#define ANY (~0ULL)
#define WANT_REGS(v, when, rip, rsi, rdi, rcx) \
	want_regs((v), (when), (rip), (rsi), (rdi), (rcx), __FILE__, __LINE__)

/* out dx,al|ax|eax and out imm8,al|ax|eax: one exit each, data = low bytes of
 * EAX (0x44332211), RIP still at the OUT; the next KVM_RUN completes it. */
TEST(out_sizes)
{
	static const struct { uint16_t port; uint8_t size; uint64_t rip, len; } want[] = {
		{ 0x3f8, 1, 0x1009, 1 }, { 0x3f8, 2, 0x100a, 1 }, { 0x3f8, 4, 0x100b, 2 },
		{ 0x80, 1, 0x100d, 2 },  { 0x81, 2, 0x100f, 2 },  { 0x82, 4, 0x1011, 3 },
	};
	static const uint8_t eax[] = { 0x11, 0x22, 0x33, 0x44 };
	struct vmm v;
	VM_STANDARD(&v, "out");
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		VM_RUN(&v);
		WANT_IO(&v, OUT, want[i].size, want[i].port, 1);
		WANT_EQ(&v, "rip at the OUT exit", OUT_EXIT_RIP(want[i].rip, want[i].len),
			vmm_rip(&v));
		WANT_BYTES(&v, "io data", eax, vmm_io_data(&v), want[i].size);
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "rip after hlt", 0x1015, vmm_rip(&v));
	vmm_close(&v);
}
END_TEST

/* OUT to port 0x7e (imm8 or DX, any size): RIP is already past it at the exit,
 * for old user space that relied on it (KVM_X86_QUIRK_OUT_7E_INC_RIP, on
 * unless disabled; x86.c kvm_fast_pio_out -> kvm_skip_emulated_instruction),
 * and the next KVM_RUN completes nothing; any other port as out_sizes. */
TEST(out_port_0x7e_skips_at_the_exit)
{
	const struct { uint16_t port; uint8_t size; uint64_t rip; } want[] = {
		{ 0x7e, 1, 0x1008 }, { 0x7e, 1, 0x1009 }, { 0x7e, 2, 0x100a },
		{ 0x7f, 1, OUT_EXIT_RIP(0x100a, 2) },
	};
	static const uint8_t ax[] = { 0x5a, 0x21 };
	struct vmm v;
	VM_STANDARD(&v, "out7e");
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		VM_RUN(&v);
		WANT_IO(&v, OUT, want[i].size, want[i].port, 1);
		WANT_EQ(&v, "rip at the OUT exit", want[i].rip, vmm_rip(&v));
		WANT_BYTES(&v, "io data", ax, vmm_io_data(&v), want[i].size);
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "rip after hlt", 0x100d, vmm_rip(&v));
	vmm_close(&v);
}
END_TEST

/* Plain outsb: one exit, count 1, the byte at DS:SI (not AL). */
TEST(outsb_plain)
{
	struct vmm v;
	VM_STANDARD(&v, "outsb");
	VM_RUN(&v);
	WANT_IO(&v, OUT, 1, 0x3f8, 1);
	WANT_EQ(&v, "io data (byte at DS:SI, not AL)", 'h', vmm_io_data(&v)[0]);
	WANT_REGS(&v, "outsb exit", 0x100a, 0x1011, ANY, 0);
	VM_RUN(&v);
	WANT_IO(&v, OUT, 1, 0x3f8, 1); /* the rep outsb */
	WANT_EQ(&v, "io data", 'e', vmm_io_data(&v)[0]);
	vmm_close(&v);
}
END_TEST

/* rep outsb, CX=3: one exit per byte, count 1, SI/CX already updated; RIP
 * stays at the rep outsb, even at the last byte (CX=0): the next KVM_RUN
 * re-executes it with CX=0, which does nothing. RF is set while the rep is
 * unfinished and cleared when it completes (emulate.c x86_emulate_insn). */
TEST(rep_outsb)
{
	struct vmm v;
	VM_STANDARD(&v, "outsb");
	VM_RUN(&v); /* the plain outsb */
	WANT_IO(&v, OUT, 1, 0x3f8, 1);
	static const struct { char c; uint64_t rip, rsi, rcx; } want[] = {
		{ 'e', 0x100d, 0x1012, 2 },
		{ 'l', 0x100d, 0x1013, 1 },
		{ 'l', 0x100d, 0x1014, 0 },
	};
	for (size_t i = 0; i < 3; i++) {
		VM_RUN(&v);
		WANT_IO(&v, OUT, 1, 0x3f8, 1);
		WANT_EQ(&v, "io data (byte at DS:SI)", want[i].c, vmm_io_data(&v)[0]);
		WANT_REGS(&v, "rep outsb exit", want[i].rip, want[i].rsi, ANY, want[i].rcx);
		struct kvm_regs r;
		VM_GET_REGS(&v, &r);
		WANT_EQ(&v, "RFLAGS.RF at a rep outsb exit", 1u << 16, r.rflags & (1u << 16));
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_REGS(&v, "hlt exit", 0x1010, 0x1014, ANY, 0);
	struct kvm_regs r;
	VM_GET_REGS(&v, &r);
	WANT_EQ(&v, "RFLAGS.RF after the rep completed", 0, r.rflags & (1u << 16));
	vmm_close(&v);
}
END_TEST

/* in al/ax/eax, dx and in al,imm8: KVM zeroes the `size` data bytes, user
 * space writes the data, the next KVM_RUN merges it into RAX (size 4
 * zero-extends into RAX: bits 63:32 cleared). */
TEST(in_sizes)
{
	struct vmm v;
	VM_STANDARD(&v, "in");
	struct kvm_regs r;
	VM_GET_REGS(&v, &r);
	r.rax = 0x1122334455667788ULL;
	VM_SET_REGS(&v, &r);

	static const struct { uint16_t port; uint8_t size; uint64_t rip; uint32_t data;
			      uint64_t rax_after; } want[] = {
		{ 0x60, 1, 0x1003, 0xab,       0x11223344556677abULL },
		{ 0x60, 2, 0x1004, 0xbeef,     0x112233445566beefULL },
		{ 0x60, 4, 0x1005, 0xdeadbeef, 0x00000000deadbeefULL },
		{ 0x61, 1, 0x1007, 0x5a,       0x00000000deadbe5aULL },
	};
	memset((uint8_t *)v.run + 4096, 0xcc, 4096);
	VM_RUN(&v);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		WANT_IO(&v, IN, want[i].size, want[i].port, 1);
		WANT_BYTES(&v, "io data at the IN exit (zeroed by KVM)", "\0\0\0\0",
			   vmm_io_data(&v), want[i].size);
		WANT_EQ(&v, "rip at the IN exit", want[i].rip, vmm_rip(&v));
		memcpy(vmm_io_data(&v), &want[i].data, want[i].size);
		VM_RUN(&v); /* completes it, runs to the next exit */
		VM_GET_REGS(&v, &r);
		WANT_EQ(&v, "rax after the IN completed", want[i].rax_after, r.rax);
	}
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "rip after hlt", 0x100a, vmm_rip(&v));
	vmm_close(&v);
}
END_TEST

static uint8_t pattern(unsigned n) { return (uint8_t)(n * 13 + 1); }

/* rep insb, ES:DI=0:0x5f00, CX=1500: batches of 256 (rest of DI's page),
 * 1024 (the read-ahead buffer) and 220; the bytes land at ES:DI. */
TEST(rep_insb_batched)
{
	struct vmm v;
	VM_STANDARD(&v, "insb");
	static const struct { uint32_t count; uint64_t rdi, rcx; } want[] = {
		{ 256, 0x5f00, 1500 }, { 1024, 0x6000, 1244 }, { 220, 0x6400, 220 },
	};
	unsigned done = 0;
	for (size_t i = 0; i < 3; i++) {
		VM_RUN(&v);
		WANT_IO(&v, IN, 1, 0x70, want[i].count);
		WANT_REGS(&v, "rep insb exit", 0x100e, ANY, want[i].rdi, want[i].rcx);
		for (unsigned j = 0; j < want[i].count; j++)
			vmm_io_data(&v)[j] = pattern(done + j);
		done += want[i].count;
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_REGS(&v, "hlt exit", 0x1011, ANY, 0x5f00 + 1500, 0);
	uint8_t expect[1500];
	for (unsigned n = 0; n < 1500; n++)
		expect[n] = pattern(n);
	WANT_BYTES(&v, "guest memory at ES:DI=0x5f00", expect, vmm_hva(&v, 0x5f00), 1500);
	WANT_EQ(&v, "byte after the buffer (untouched)", 0, *vmm_hva(&v, 0x5f00 + 1500));
	vmm_close(&v);
}
END_TEST
