/* test_exits.c - HLT, MMIO, internal errors, interrupts, shutdown, EINTR. */
#include "tests.h"
#include "check_decl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

CHECK_SUITE("exits", "exits", NULL, NULL, 10);

/* hlt: KVM_EXIT_HLT, RIP past the hlt; the next KVM_RUN resumes after it. */
TEST(hlt_exit)
{
	struct vmm v;
	VM_STANDARD(&v, "hlt");
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "rip after the first hlt", 0x1002, vmm_rip(&v));
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "rip after the second hlt", 0x1003, vmm_rip(&v));
	vmm_close(&v);
}
END_TEST

static void want_mmio(struct vmm *v, uint64_t addr, uint32_t len, int is_write,
		      const char *file, int line)
{
	vmm_want_exit(v, KVM_EXIT_MMIO, file, line);
	vmm_want_u64(v, "mmio.phys_addr", addr, v->run->mmio.phys_addr, file, line);
	vmm_want_u64(v, "mmio.len", len, v->run->mmio.len, file, line);
	vmm_want_u64(v, "mmio.is_write", is_write, v->run->mmio.is_write, file, line);
}
#define WANT_MMIO(v, addr, len, w) want_mmio((v), (addr), (len), (w), __FILE__, __LINE__)

/* mov word [0x20010], 0xbeef: KVM_EXIT_MMIO write, the bytes in mmio.data;
 * the write is complete when user space sees it (RIP past the mov). */
TEST(mmio_write)
{
	struct vmm v;
	VM_STANDARD(&v, "mmio");
	VM_RUN(&v);
	WANT_MMIO(&v, 0x20010, 2, 1);
	WANT_BYTES(&v, "mmio.data", "\xef\xbe", v.run->mmio.data, 2);
	WANT_EQ(&v, "rip at the MMIO write exit (past the mov)", 0x100b, vmm_rip(&v));
	VM_RUN(&v);
	WANT_MMIO(&v, 0x20020, 2, 0); /* the write completed, on to the read */
	vmm_close(&v);
}
END_TEST

/* mov ax,[0x20020] / mov ebx,[0x20030]: KVM_EXIT_MMIO read; the next KVM_RUN
 * gives the instruction run->mmio.data. */
TEST(mmio_read)
{
	struct vmm v;
	VM_STANDARD(&v, "mmio");
	VM_RUN(&v);
	WANT_MMIO(&v, 0x20010, 2, 1);
	VM_RUN(&v);
	WANT_MMIO(&v, 0x20020, 2, 0);
	WANT_EQ(&v, "rip at the MMIO read exit", 0x100b, vmm_rip(&v));
	memcpy(v.run->mmio.data, "\x34\x12", 2);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 2, 0x10, 1);
	WANT_BYTES(&v, "io data (ax as read from MMIO)", "\x34\x12", vmm_io_data(&v), 2);
	VM_RUN(&v);
	WANT_MMIO(&v, 0x20030, 4, 0);
	memcpy(v.run->mmio.data, "\x78\x56\x34\x12", 4);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0x11, 1);
	WANT_BYTES(&v, "io data (ebx as read from MMIO)", "\x78\x56\x34\x12", vmm_io_data(&v), 4);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* add byte [0x20040], 5: a read exit (user gives 10), then a write exit of 15. */
TEST(mmio_read_modify_write)
{
	struct vmm v;
	VM_STANDARD(&v, "rmw");
	VM_RUN(&v);
	WANT_MMIO(&v, 0x20040, 1, 0);
	WANT_EQ(&v, "rip at the MMIO read exit", 0x1005, vmm_rip(&v));
	v.run->mmio.data[0] = 10;
	VM_RUN(&v);
	WANT_MMIO(&v, 0x20040, 1, 1);
	WANT_EQ(&v, "mmio.data (10 + 5)", 15, v.run->mmio.data[0]);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "rip after hlt", 0x100b, vmm_rip(&v));
	vmm_close(&v);
}
END_TEST

/* jmp 0x2000:0 (guest-physical 0x20000, no slot): the fetch fails. */
TEST(fetch_outside_ram)
{
	struct vmm v;
	VM_STANDARD(&v, "fetch");
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_INTERNAL_ERROR);
	WANT_EQ(&v, "internal.suberror (KVM_INTERNAL_ERROR_EMULATION)",
		KVM_INTERNAL_ERROR_EMULATION, v.run->internal.suberror);
	vmm_close(&v);
}
END_TEST

/* int 0x21 with IVT and stack in a slot: delivered through the IVT, no exit
 * of its own; the handler sees FLAGS, CS, IP pushed; iret returns.
 * (Not int 0x80: kvm_pvm never completes a real-mode int 0x80, see FACTS.md.) */
TEST(int_through_ivt)
{
	struct vmm v;
	VM_LOW64K(&v, "int");
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x10, 1); /* in the handler */
	WANT_EQ(&v, "io data (al)", 0x42, vmm_io_data(&v)[0]);
	struct kvm_regs r;
	VM_GET_REGS(&v, &r);
	WANT_EQ(&v, "rip in the handler (its OUT)", OUT_EXIT_RIP(0x1017, 2), r.rip);
	WANT_EQ(&v, "rsp in the handler (3 words pushed)", 0xfff0 - 6, r.rsp);
	uint16_t frame[3];
	memcpy(frame, vmm_hva(&v, 0xfff0 - 6), sizeof frame);
	WANT_EQ(&v, "pushed ip (after the int)", 0x1014, frame[0]);
	WANT_EQ(&v, "pushed cs", 0, frame[1]);
	WANT_EQ(&v, "pushed flags", 0x2, frame[2] & ~0x8d5u /* arith flags */);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x11, 1); /* after iret */
	WANT_EQ(&v, "io data (al set by the handler)", 0x43, vmm_io_data(&v)[0]);
	WANT_EQ(&v, "rsp after iret", 0xfff0, (VM_GET_REGS(&v, &r), r.rsp));
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* int 0x80 with the IVT in no slot: delivery fails (Linux >= 6.14 on VMX/SVM). */
TEST(int_without_ivt)
{
	if (vmm_kvm_is_pvm())
		CHECK_SKIP("on kvm_pvm: KVM_RUN livelocks: see FACTS.md");
	struct vmm v;
	VM_STANDARD(&v, "int_noivt");
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_INTERNAL_ERROR);
	WANT_EQ(&v, "internal.suberror (KVM_INTERNAL_ERROR_DELIVERY_EV)",
		KVM_INTERNAL_ERROR_DELIVERY_EV, v.run->internal.suberror);
	vmm_close(&v);
}
END_TEST

/* lidt limit 0, int3: #GP, #DF, triple fault: KVM_EXIT_SHUTDOWN. */
TEST(triple_fault)
{
	if (vmm_kvm_is_pvm())
		CHECK_SKIP("on kvm_pvm: ignores the IVT limit: see FACTS.md");
	struct vmm v;
	VM_LOW64K(&v, "triple");
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_SHUTDOWN);
	vmm_close(&v);
}
END_TEST

/* immediate_exit=1: KVM_RUN returns -1/EINTR at once, the guest doesn't run,
 * and exit_reason is left as it was (KVM doesn't write KVM_EXIT_INTR here);
 * with immediate_exit=0 the guest runs again. */
TEST(immediate_exit)
{
	struct vmm v;
	VM_STANDARD(&v, "hlt");
	v.run->immediate_exit = 1;
	errno = 0;
	WANT_EQ(&v, "KVM_RUN with immediate_exit=1", -1, vmm_run_raw(&v));
	WANT_EQ(&v, "errno (EINTR)", EINTR, errno);
	WANT_EQ(&v, "exit_reason (fresh vCPU, untouched)", 0, v.run->exit_reason);
	WANT_EQ(&v, "rip (guest didn't run)", 0x1000, vmm_rip(&v));
	v.run->immediate_exit = 0;
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	v.run->immediate_exit = 1;
	errno = 0;
	WANT_EQ(&v, "KVM_RUN with immediate_exit=1 after a hlt", -1, vmm_run_raw(&v));
	WANT_EQ(&v, "errno (EINTR)", EINTR, errno);
	WANT_EQ(&v, "exit_reason (still KVM_EXIT_HLT)", KVM_EXIT_HLT, v.run->exit_reason);
	WANT_EQ(&v, "rip (guest didn't run)", 0x1002, vmm_rip(&v));
	v.run->immediate_exit = 0;
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "rip after the second hlt", 0x1003, vmm_rip(&v));
	vmm_close(&v);
}
END_TEST

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

/* SIGALRM while an endless-loop guest runs: -1/EINTR, KVM_EXIT_INTR. */
TEST(signal_interrupts_run)
{
	struct vmm v;
	VM_STANDARD(&v, "loop");
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { .it_value = { .tv_usec = 50000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	errno = 0;
	int rc = vmm_run_raw(&v);
	int e = errno;
	WANT_EQ(&v, "KVM_RUN interrupted by SIGALRM", -1, rc);
	WANT_EQ(&v, "errno (EINTR)", EINTR, e);
	WANT_EXIT(&v, KVM_EXIT_INTR);
	WANT_EQ(&v, "SIGALRM handler calls", 1, alarms);
	WANT_EQ(&v, "rip (still in the loop)", 0x1000, vmm_rip(&v));
	vmm_close(&v);
}
END_TEST

/* Signals while a guest loops over a near CALL (guests/call_loop.asm), with
 * an instruction hook present: each KVM_RUN ended with EINTR resumes where
 * the guest stopped. kvmemu stops between two blocks there, and Unicorn
 * 2.1.1 left RIP on an earlier instruction when the block was entered by a
 * chained jump: the CALL ran twice and the guest saw its SP off. */
TEST(signal_between_blocks)
{
	struct vmm v;
	VM_STANDARD(&v, "call_loop");
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x10, 1);
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { .it_value = { .tv_usec = 200 }, .it_interval = { .tv_usec = 200 } };
	setitimer(ITIMER_REAL, &it, NULL);
	int stops = 0, rc = -1;
	while (stops < 400 && (rc = vmm_run_raw(&v)) == -1 && errno == EINTR)
		stops++;
	struct itimerval off = { 0 };
	setitimer(ITIMER_REAL, &off, NULL);
	if (rc == 0 && v.run->exit_reason == KVM_EXIT_IO && v.run->io.port == 0x11)
		vmm_fail(&v, __FILE__, __LINE__, "after %d stops the guest's SP was 0x%x, "
			 "expected 0x8000 (an instruction ran twice)", stops,
			 *(uint16_t *)vmm_io_data(&v));
	WANT_EQ(&v, "KVM_RUN ended by the signal (-1/EINTR) each time", 400, stops);
	uint32_t count;
	memcpy(&count, vmm_hva(&v, 0x1020), 4);
	if (count == 0)
		vmm_fail(&v, __FILE__, __LINE__, "the guest's loop never ran");
	vmm_close(&v);
}
END_TEST

/* 600 distinct OUT sites, each exiting with RIP on it, as KVM does for every
 * OUT (kvm_fast_pio): more sites than kvmemu ever gave instruction hooks
 * (256, past which every instruction was hooked). Then a loop whose
 * immediates hold I/O opcode bytes runs to its end, and an HLT directly
 * followed by an OUT gives the HLT exit, then the OUT's. */
TEST(many_io_sites)
{
	struct vmm v;
	VM_LOW64K(&v, "many_sites");
	for (uint32_t i = 0; i < 600; i++) {
		VM_RUN(&v);
		WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x10, 1);
		WANT_EQ(&v, "io data (the site's number)", i & 0xff, vmm_io_data(&v)[0]);
		struct kvm_regs r;
		VM_GET_REGS(&v, &r);
		WANT_EQ(&v, "rip on the site's OUT", OUT_EXIT_RIP(0x1002 + 3 * i, 2), r.rip);
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	struct kvm_regs r;
	VM_GET_REGS(&v, &r);
	WANT_EQ(&v, "cx after the loop", 0, r.rcx & 0xffff);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x11, 1);
	WANT_EQ(&v, "io data", 0x77, vmm_io_data(&v)[0]);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* Opcode-like bytes inside immediates become exits no stop comes to, and
 * past 1024 of them kvmemu forgets them (cpu.c exits_prune): 2048 in one
 * block must still let that block run (a prune right after the scan that
 * added them dropped them again and again: no progress), and each pass's
 * OUT still exits with RIP on it. */
TEST(prune_exits)
{
	struct vmm v;
	VM_LOW64K(&v, "prune_exits");
	for (uint32_t pass = 1; pass <= 3; pass++) {
		VM_RUN(&v);
		WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x10, 1);
		WANT_EQ(&v, "io data (the pass)", pass, vmm_io_data(&v)[0]);
		struct kvm_regs r;
		VM_GET_REGS(&v, &r);
		WANT_EQ(&v, "rip on the OUT", OUT_EXIT_RIP(0x1006 + 6 * 600, 2), r.rip);
		WANT_EQ(&v, "ebx (the immediates ran as data)", 0xecececec, r.rbx & 0xffffffff);
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* An MMIO write, then at once an OUT, in a loop: each write is one
 * KVM_EXIT_MMIO (is_write, the byte) and each OUT one KVM_EXIT_IO, in that
 * order (x86.c: the write exits after it is done, kvm_fast_pio for the OUT). */
TEST(mmio_write_then_out)
{
	struct vmm v;
	VM_LOW64K(&v, "mmio_then_out");
	for (int i = 0; i < 2; i++) {
		VM_RUN(&v);
		WANT_EXIT(&v, KVM_EXIT_MMIO);
		WANT_EQ(&v, "mmio.phys_addr", 0x20010, v.run->mmio.phys_addr);
		WANT_EQ(&v, "mmio.is_write", 1, v.run->mmio.is_write);
		WANT_EQ(&v, "mmio.data[0]", 0x5a, v.run->mmio.data[0]);
		VM_RUN(&v);
		WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x10, 1);
	}
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* 200000 exits at one OUT, then HLT: every one is a KVM_EXIT_IO (Unicorn
 * translates kvmemu's stop there anew each time; with its code buffer
 * full it crashed at about 150,000 before kvmemu flushed it in between). */
TEST(many_exits_one_site)
{
	struct vmm v;
	VM_LOW64K(&v, "many_exits");
	uint32_t n = 0;
	for (;;) {
		VM_RUN(&v);
		if (v.run->exit_reason != KVM_EXIT_IO)
			break;
		n++;
	}
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "OUT exits before the HLT", 200000, n);
	vmm_close(&v);
}
END_TEST

/* RDTSC 1000 times at one site, real mode: every value later than the one
 * before (KVM's TSC runs with the guest), none an exit (KVM runs RDTSC in
 * the guest), and the loop runs to its end. Past 16 stops kvmemu answers
 * the site from an instruction hook inside the run (msr.c rdtsc_hooked). */
TEST(rdtsc_hot_site)
{
	struct vmm v;
	VM_LOW64K(&v, "tsc_loop");
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0xe8, 1);
	uint32_t lo;
	memcpy(&lo, vmm_io_data(&v), 4);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0xe8, 1);
	uint32_t hi;
	memcpy(&hi, vmm_io_data(&v), 4);
	WANT_EQ(&v, "the last TSC: under a second of guest time", 1,
		(((uint64_t)hi << 32) | lo) < 1000000000ull);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	struct kvm_regs r;
	VM_GET_REGS(&v, &r);
	WANT_EQ(&v, "cx after the loop", 0, r.rcx & 0xffff);
	WANT_EQ(&v, "rip after the HLT (not .bad's)", 0x102c, r.rip);
	vmm_close(&v);
}
END_TEST

/* MOV to CR4 setting OSFXSR enables SSE at once (kvm_set_cr4; SDM vol. 3,
 * 2.5): a PXOR right after it runs, no #UD. kvmemu had written QEMU's
 * translation flags back from a copy taken before the CR4 write, dropping
 * its HF_OSFXSR: busybox's first SSE instruction was a #UD and Linux
 * panicked ("Attempted to kill init"). */
TEST(cr4_osfxsr_sse)
{
	struct vmm v;
	VM_LOW64K(&v, "cr4_sse");
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x10, 1);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST
