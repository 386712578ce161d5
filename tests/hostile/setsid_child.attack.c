/* Leaves a double-forked, setsid'd child behind that ignores SIGHUP. */
#include <signal.h>
#include <unistd.h>
__attribute__((constructor)) static void attack_setsid(void)
{
	if (fork() == 0) {
		setsid();
		signal(SIGHUP, SIG_IGN);
		if (fork() == 0) {
			execl("/bin/sh", "sh", "-c", "trap '' HUP TERM; sleep 1000; : @TAG@", (char *)0);
			_exit(0);
		}
		_exit(0);
	}
}
