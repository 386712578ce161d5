/*
 * bench_sandbox — per-run cost of box_run() on each layer against a bare
 * fork/exec of the same program: /bin/true, and (when given) a hello VMM.
 * Usage: bench_sandbox [VMM GUEST]   Prints a markdown table.
 */
#include "sandbox.h"
#include "util.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS 40

extern char **environ;

/* Mean ms of a bare posix_spawn + waitpid, output to /dev/null. */
static double bare_ms(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
	double t0 = now_s();
	for (int i = 0; i < RUNS; i++) {
		pid_t pid;
		int st;
		if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) == 0)
			waitpid(pid, &st, 0);
	}
	posix_spawn_file_actions_destroy(&fa);
	return (now_s() - t0) * 1000 / RUNS;
}

/* Mean ms of box_run on the layer this process picked (-1 when it failed). */
static double box_ms(const char *vmm, const char *guest)
{
	struct box_file files[2] = { { vmm, "vmm" }, { guest, "guest.bin" } };
	char *argv_true[] = { "/bin/true", NULL };
	char *argv_vmm[] = { "/box/vmm", "/box/guest.bin", NULL };
	char *env[] = { NULL };
	struct box_req req = { .argv = vmm ? argv_vmm : argv_true, .files = vmm ? files : NULL,
			       .nfiles = vmm ? 2 : 0, .env = env, .kvm = vmm != NULL,
			       .lim = box_default_limits() };
	struct box_result r;
	box_layer();  /* the once-per-process probe is not a per-run cost */
	double t0 = now_s();
	for (int i = 0; i < RUNS; i++) {
		if (box_run(&req, &r) != 0 || r.cause != BOX_EXITED) {
			fprintf(stderr, "bench: run failed: %s %s\n", r.diag, r.err);
			box_result_free(&r);
			return -1;
		}
		box_result_free(&r);
	}
	return (now_s() - t0) * 1000 / RUNS;
}

/* Runs box_ms in a child whose layer is forced (the layer is per process). */
static double box_ms_layer(int fallback, const char *vmm, const char *guest)
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
		double ms = box_ms(vmm, guest);
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
	printf("\n### Sandbox overhead per run (ms, mean of %d; uid %d)\n\n", RUNS, (int)getuid());
	printf("| program | bare fork/exec | bubblewrap (added) | fallback (added) |\n");
	printf("|---|---|---|---|\n");
	char *t[] = { "/bin/true", NULL };
	row("/bin/true", bare_ms(t), box_ms_layer(0, NULL, NULL), box_ms_layer(1, NULL, NULL));
	if (vmm && access(vmm, X_OK) == 0 && access(guest, R_OK) == 0) {
		char *v[] = { (char *)vmm, (char *)guest, NULL };
		row("hello VMM", bare_ms(v), box_ms_layer(0, vmm, guest),
		    box_ms_layer(1, vmm, guest));
	} else {
		printf("| hello VMM | (not built: make all first) | | |\n");
	}
	return 0;
}
