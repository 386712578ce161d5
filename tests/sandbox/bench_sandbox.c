/*
 * bench_sandbox — per-run cost of box_run() on each layer against a bare
 * fork/exec of the same program: /bin/true, and (when given) a hello VMM on
 * /dev/kvm and on kvmemu (its libraries copied into the box, or shown in place
 * as the grader does: struct box_file's trusted).
 * Usage: bench_sandbox [VMM GUEST [LIBKVMEMU]]   Prints a markdown table.
 */
#include "sandbox.h"
#include "util.h"

#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS 40

extern char **environ;

/* Mean ms of a bare posix_spawn + waitpid, output to /dev/null; with
 * emu_lib preloaded (kvmemu) when it isn't NULL. */
static double bare_ms(char *const argv[], const char *emu_lib)
{
	char preload[PATH_MAX + 16];
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", emu_lib ? emu_lib : "");
	char *env_emu[] = { preload, "KVMEMU_QUIET=1", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
	double t0 = now_s();
	for (int i = 0; i < RUNS; i++) {
		pid_t pid;
		int st;
		if (posix_spawn(&pid, argv[0], &fa, NULL, argv, emu_lib ? env_emu : environ) == 0)
			waitpid(pid, &st, 0);
	}
	posix_spawn_file_actions_destroy(&fa);
	return (now_s() - t0) * 1000 / RUNS;
}

/* What a bench row runs: /bin/true, or a VMM on a guest, on /dev/kvm or on
 * kvmemu (emu_lib: libkvmemu.so, its libunicorn.so.2 beside it, shown in
 * place when trusted, else copied: what the grader saves per emulated run). */
struct bench_run {
	const char *vmm, *guest, *emu_lib;
	int trusted;
	int cgroup;     /* 0: box_run's default (a cgroup with memory where it can); 1: no
	                 * memory limit (mem_bytes 0); 2: no cgroup (VIRTLAB_CGROUP=0) */
};

/* Mean ms of box_run on the layer this process picked (-1 when it failed). */
static double box_ms(const struct bench_run *b)
{
	char *uc = b->emu_lib ? path_sibling(b->emu_lib, "libunicorn.so.2") : NULL;
	struct box_file files[4] = { { b->vmm, "vmm", 0 }, { b->guest, "guest.bin", 0 },
				     { b->emu_lib, "libkvmemu.so", b->trusted },
				     { uc, "libunicorn.so.2", b->trusted } };
	char *argv_true[] = { "/bin/true", NULL };
	char *argv_vmm[] = { "/box/vmm", "/box/guest.bin", NULL };
	char *env_kvm[] = { NULL };
	char *env_emu[] = { "LD_PRELOAD=/box/libkvmemu.so", "KVMEMU_QUIET=1", NULL };
	struct box_req req = { .argv = b->vmm ? argv_vmm : argv_true, .files = files,
			       .nfiles = !b->vmm ? 0 : b->emu_lib ? 4 : 2,
			       .env = b->emu_lib ? env_emu : env_kvm, .kvm = b->vmm && !b->emu_lib,
			       .lim = box_default_limits() };
	if (b->cgroup == 1)
		req.lim.mem_bytes = 0;
	struct box_result r;
	box_layer();  /* the once-per-process probe is not a per-run cost */
	double t0 = now_s(), ms;
	for (int i = 0; i < RUNS; i++) {
		if (box_run(&req, &r) != 0 || r.cause != BOX_EXITED || r.code != 0) {
			fprintf(stderr, "bench: run failed: %s %s\n", r.diag, r.err);
			box_result_free(&r);
			free(uc);
			return -1;
		}
		box_result_free(&r);
	}
	ms = (now_s() - t0) * 1000 / RUNS;
	free(uc);
	return ms;
}

/* Runs box_ms in a child whose layer is forced (the layer is per process). */
static double box_ms_layer(int fallback, const struct bench_run *b)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (fallback)
			setenv("VIRTLAB_SANDBOX", "fallback", 1);
		else
			unsetenv("VIRTLAB_SANDBOX");
		if (b->cgroup == 2)
			setenv("VIRTLAB_CGROUP", "0", 1);
		double ms = box_ms(b);
		if (write(p[1], &ms, sizeof ms) != sizeof ms)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	double ms = -1;
	if (pid < 0 || read(p[0], &ms, sizeof ms) != sizeof ms)
		ms = -1;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return ms;
}

static void row(const char *what, double bare, double bw, double fb)
{
	printf("| %s | %.2f | %.2f (+%.2f) | %.2f (+%.2f) |\n", what, bare, bw, bw - bare, fb,
	       fb - bare);
}

int main(int argc, char **argv)
{
	const char *vmm = argc > 2 ? argv[1] : NULL, *guest = argc > 2 ? argv[2] : NULL;
	const char *emu_lib = argc > 3 ? argv[3] : NULL;
	printf("\n### Sandbox overhead per run (ms, mean of %d; uid %d; %s)\n\n", RUNS, (int)getuid(),
	       box_cgroup_describe());
	printf("| program | bare fork/exec | bubblewrap (added) | fallback (added) |\n");
	printf("|---|---|---|---|\n");
	char *t[] = { "/bin/true", NULL };
	struct bench_run b = { 0 };
	double bare = bare_ms(t, NULL);
	row("/bin/true", bare, box_ms_layer(0, &b), box_ms_layer(1, &b));
	/* what the cgroup layer costs per box: the same runs without its memory limit, without it */
	static const char *const cg_rows[] = { "", "/bin/true, cgroup without memory", "/bin/true, no cgroup" };
	for (b.cgroup = 1; b.cgroup <= 2; b.cgroup++)
		row(cg_rows[b.cgroup], bare, box_ms_layer(0, &b), box_ms_layer(1, &b));
	b.cgroup = 0;
	if (!vmm || access(vmm, X_OK) != 0 || access(guest, R_OK) != 0) {
		printf("| hello VMM | (not built: make all first) | | |\n");
		return 0;
	}
	char *v[] = { (char *)vmm, (char *)guest, NULL };
	b = (struct bench_run){ vmm, guest, NULL, 0, 0 };
	row("hello VMM, /dev/kvm", bare_ms(v, NULL), box_ms_layer(0, &b), box_ms_layer(1, &b));
	if (!emu_lib || access(emu_lib, R_OK) != 0)
		return 0;
	bare = bare_ms(v, emu_lib);
	b = (struct bench_run){ vmm, guest, emu_lib, 0, 0 };
	row("hello VMM, kvmemu, libraries copied", bare, box_ms_layer(0, &b), box_ms_layer(1, &b));
	b.trusted = 1;
	row("hello VMM, kvmemu, libraries in place", bare, box_ms_layer(0, &b), box_ms_layer(1, &b));
	return 0;
}
