/* Never finishes. */
#include <unistd.h>
__attribute__((constructor)) static void attack_sleep(void)
{
	for (;;)
		sleep(1000);
}
