/* A user namespace of its own (root in it: mounts, then a way at kernel bugs),
 * and the rest of the kernel surface a VMM never needs.  A success is said on
 * stdout and stderr ("ESCAPED ..."). */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static void attack_ns_said(const char *what, long rc)
{
	if (rc >= 0) {
		printf("ESCAPED %s @TAG@\n", what);
		fprintf(stderr, "ESCAPED %s @TAG@\n", what);
	}
}

__attribute__((constructor)) static void attack_nested_userns(void)
{
	char zero[128] = { 0 };
	attack_ns_said("unshare(CLONE_NEWUSER)", syscall(SYS_unshare, 0x10000000 /* CLONE_NEWUSER */));
	attack_ns_said("keyctl", syscall(SYS_keyctl, 0, -3, 0));
	attack_ns_said("bpf", syscall(SYS_bpf, 0, zero, 0) >= 0 ? 0 : -1);
	attack_ns_said("perf_event_open", syscall(SYS_perf_event_open, zero, 0, -1, -1, 0));
	attack_ns_said("io_uring_setup", syscall(425, 4, zero));
	attack_ns_said("fsopen", syscall(430, "tmpfs", 0));
	attack_ns_said("ptrace", syscall(SYS_ptrace, 16 /* ATTACH */, getppid(), 0, 0));
}
