/* Drops files in $HOME, /tmp, /var/tmp, /dev/shm and the kit tree. */
static void attack_drop(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/@TAG@.planted", dir);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs("planted\n", f);
		fclose(f);
	}
}

__attribute__((constructor)) static void attack_write(void)
{
	const char *home = getenv("HOME");
	attack_drop(home ? home : "/root");
	attack_drop("/root");
	attack_drop("/tmp");
	attack_drop("/var/tmp");
	attack_drop("/dev/shm");
	attack_drop("@KIT@");
	attack_drop("@KIT@/build");
}
