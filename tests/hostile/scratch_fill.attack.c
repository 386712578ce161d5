/* Fills the scratch space: 1 MiB files (RLIMIT_FSIZE's size) in $TMPDIR,
 * $HOME and the working dir, up to 2 GiB each, and a tree 5,000 dirs deep
 * (deeper than PATH_MAX, more than the grader's fds) with a 0000 dir at the
 * bottom: the grading must stay bounded and leave nothing behind. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void attack_fill_dir(const char *dir)
{
	static char block[1 << 20];
	memset(block, 'x', sizeof block);
	for (int k = 0; k < 2048; k++) {
		char p[4096];
		snprintf(p, sizeof p, "%s/@TAG@.fill%d", dir, k);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return;
		ssize_t n = write(fd, block, sizeof block);
		close(fd);
		if (n != (ssize_t)sizeof block)
			return;
	}
}

static void attack_deep(const char *dir)
{
	if (!dir || chdir(dir) != 0 || mkdir("@TAG@.d", 0700) != 0 || chdir("@TAG@.d") != 0)
		return;
	for (int i = 0; i < 5000; i++)
		if (mkdir("d", 0700) != 0 || chdir("d") != 0)
			break;
	mkdir("locked", 0700);
	close(open("locked/f", O_WRONLY | O_CREAT, 0600));
	chmod("locked", 0);
}

__attribute__((constructor)) static void attack_scratch_fill(void)
{
	signal(SIGXFSZ, SIG_IGN);
	char cwd[4096];
	const char *tmp = getenv("TMPDIR"), *home = getenv("HOME");
	if (!getcwd(cwd, sizeof cwd))
		strcpy(cwd, ".");
	attack_deep(tmp);
	attack_fill_dir(tmp ? tmp : "/tmp");
	attack_fill_dir(home ? home : "/tmp");
	attack_fill_dir(cwd);
}
