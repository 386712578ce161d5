/* test_lwn.c - the LWN-style sample VMM runs unmodified and prints "4". */
#include "tests.h"
#include "check_decl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

CHECK_SUITE("lwn", "lwn", NULL, NULL, 20);

/* Runs argv with stdout captured into out (NUL-terminated); returns the wait status. */
static int run_capture(char *const argv[], char *out, size_t cap)
{
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	size_t n = 0;
	ssize_t k;
	while (n + 1 < cap && (k = read(fds[0], out + n, cap - 1 - n)) > 0)
		n += k;
	out[n] = 0;
	close(fds[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	return status;
}

TEST(lwn_sample)
{
	char prog[4200], script[4200], out[256];
	snprintf(prog, sizeof prog, "%s/lwn-sample", vmm_bindir());
	const char *root = getenv("VIRTLAB_ROOT");
	snprintf(script, sizeof script, "%s/scripts/kvm-emu", root ? root : ".");
	int status;
	if (vmm_backend_is_emu()) {
		/* Exactly as a user would: scripts/kvm-emu PROGRAM. */
		unsetenv("LD_PRELOAD");
		char *argv[] = { script, prog, NULL };
		status = run_capture(argv, out, sizeof out);
	} else {
		char *argv[] = { prog, NULL };
		status = run_capture(argv, out, sizeof out);
	}
	if (strcmp(out, "4\nKVM_EXIT_HLT\n") != 0)
		vmm_fail(NULL, __FILE__, __LINE__, "lwn-sample stdout: want \"4\\nKVM_EXIT_HLT\\n\", got \"%s\"",
			 out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		vmm_fail(NULL, __FILE__, __LINE__, "lwn-sample: want exit 0, got status 0x%x", status);
}
END_TEST
