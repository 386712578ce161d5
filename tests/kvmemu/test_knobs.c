/* test_knobs.c - kvmemu's knobs (emulated only; skipped on real KVM).
 *
 * The library reads its environment when it starts, so each knob test runs
 * this binary again (fork + exec of /proc/self/exe --knob MODE) with the knob
 * set; the helper checks the exits and exits 0, or prints why and exits 1. */
#include "tests.h"
#include "check_decl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

CHECK_SUITE("knobs", "knobs", NULL, NULL, 0);

/* KVMEMU_STRING_BATCH=1: rep outsb of CX=3 is one exit, count 3, bytes packed. */
static int knob_string_batch(void)
{
	struct vmm v;
	VM_STANDARD(&v, "outsb");
	VM_RUN(&v); /* plain outsb: one byte */
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x3f8, 1);
	WANT_EQ(&v, "io data", 'h', vmm_io_data(&v)[0]);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x3f8, 3);
	WANT_BYTES(&v, "io data (packed at data_offset)", "ell", vmm_io_data(&v), 3);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	struct kvm_regs r;
	VM_GET_REGS(&v, &r);
	WANT_EQ(&v, "rsi after rep outsb", 0x1014, r.rsi);
	WANT_EQ(&v, "rcx after rep outsb", 0, r.rcx);
	WANT_EQ(&v, "rip after hlt", 0x1010, r.rip);
	vmm_close(&v);
	return 0;
}

/* KVMEMU_PIO_OFFSET=8192: io.data_offset is 8192 and the data is there. */
static int knob_pio_offset(void)
{
	struct vmm v;
	VM_STANDARD(&v, "out");
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IO);
	WANT_EQ(&v, "io.data_offset", 8192, v.run->io.data_offset);
	WANT_EQ(&v, "io.size", 1, v.run->io.size);
	WANT_EQ(&v, "io data at run + 8192", 0x11, ((uint8_t *)v.run)[8192]);
	VM_RUN(&v);
	WANT_EQ(&v, "io.data_offset (second exit)", 8192, v.run->io.data_offset);
	WANT_BYTES(&v, "io data at run + 8192", "\x11\x22", (uint8_t *)v.run + 8192, 2);
	vmm_close(&v);
	return 0;
}

/* The process's address space in KiB (VmSize), or 0. */
static unsigned long vm_size_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long kib = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmSize: %lu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

/* KVMEMU_TCG_MB=512: Unicorn's code buffer is 512 MiB (the default 32 MiB
 * keeps a lab's run small; a Linux boot needs more): the address space
 * after a run holds it. */
static int knob_tcg_mb(void)
{
	struct vmm v;
	VM_STANDARD(&v, "hlt");
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	unsigned long kib = vm_size_kib();
	WANT_EQ(&v, "VmSize at least the 512 MiB buffer (0: no VmSize)", 1, kib >= 512ul << 10);
	vmm_close(&v);
	return 0;
}

/* KVMEMU_TCG_MB=8, and a guest that rewrites the immediate of its own next
 * instruction 200000 times in one KVM_RUN: each pass translates its block
 * again, so the code buffer fills many times inside the run (Unicorn
 * crashed chaining a block when it flushed itself there, SIGSEGV in
 * tb_set_jmp_target; kvmemu now flushes between runs). The run ends at HLT
 * with the sum of the immediates in BL, as KVM runs it. */
static int knob_tcg_fill(void)
{
	struct vmm v;
	VM_STANDARD(&v, "smc_fill");
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	struct kvm_regs r;
	VM_GET_REGS(&v, &r);
	uint8_t bl = 0;
	for (uint32_t i = 1; i <= 200000; i++)
		bl = (uint8_t)(bl + (i & 0xff));
	WANT_EQ(&v, "bl: the sum of the rewritten immediates", bl, r.rbx & 0xff);
	WANT_EQ(&v, "ecx after the loop", 0, r.rcx & 0xffffffff);
	vmm_close(&v);
	return 0;
}

int knob_main(const char *mode)
{
	vmm_standalone = 1;
	if (strcmp(mode, "string_batch") == 0)
		return knob_string_batch();
	if (strcmp(mode, "pio_offset") == 0)
		return knob_pio_offset();
	if (strcmp(mode, "tcg_mb") == 0)
		return knob_tcg_mb();
	if (strcmp(mode, "tcg_fill") == 0)
		return knob_tcg_fill();
	fprintf(stderr, "check_kvmemu: unknown knob mode %s\n", mode);
	return 2;
}

/* Runs `check_kvmemu --knob MODE` with NAME=VALUE; its stderr is shown.
 * Only on kvmemu (the caller skips elsewhere). */
static void run_knob(const char *mode, const char *name, const char *value,
		     const char *file, int line)
{
	pid_t pid = fork();
	if (pid == 0) {
		setenv(name, value, 1);
		execl("/proc/self/exe", "check_kvmemu", "--knob", mode, (char *)NULL);
		perror("exec /proc/self/exe");
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		vmm_fail(NULL, file, line, "knob %s=%s (mode %s): helper %s %d (see its stderr above)",
			 name, value, mode, WIFEXITED(status) ? "exited" : "killed by signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

TEST(knob_string_batch_test)
{
	if (!vmm_backend_is_emu())
		CHECK_SKIP("knobs are kvmemu's: they need VIRTLAB_BACKEND=emu");
	run_knob("string_batch", "KVMEMU_STRING_BATCH", "1", __FILE__, __LINE__);
}
END_TEST

TEST(knob_pio_offset_test)
{
	if (!vmm_backend_is_emu())
		CHECK_SKIP("knobs are kvmemu's: they need VIRTLAB_BACKEND=emu");
	run_knob("pio_offset", "KVMEMU_PIO_OFFSET", "8192", __FILE__, __LINE__);
}
END_TEST

TEST(knob_tcg_mb_test)
{
	if (!vmm_backend_is_emu())
		CHECK_SKIP("knobs are kvmemu's: they need VIRTLAB_BACKEND=emu");
	run_knob("tcg_mb", "KVMEMU_TCG_MB", "512", __FILE__, __LINE__);
}
END_TEST

TEST(knob_tcg_fill_test)
{
	if (!vmm_backend_is_emu())
		CHECK_SKIP("knobs are kvmemu's: they need VIRTLAB_BACKEND=emu");
	run_knob("tcg_fill", "KVMEMU_TCG_MB", "8", __FILE__, __LINE__);
}
END_TEST
