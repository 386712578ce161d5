/* Holds 60 threads for 3 s in every run: with RLIMIT_NPROC counted per uid,
 * a batch neighbour's cc failed with "vfork: Resource temporarily
 * unavailable" and was recorded as "did not compile". */
#include <pthread.h>
#include <unistd.h>

static void *attack_idle(void *arg)
{
	(void)arg;
	sleep(3);
	return NULL;
}

__attribute__((constructor)) static void attack_threads_hog(void)
{
	pthread_t t[60];
	int made = 0;
	while (made < 60 && pthread_create(&t[made], NULL, attack_idle, NULL) == 0)
		made++;
	for (int i = 0; i < made; i++)
		pthread_join(t[i], NULL);
	/* @TAG@ */
}
