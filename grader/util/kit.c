/* kit.c — the kit's layout (kit.h): the one file that spells its paths. */
#include "kit.h"
#include "util.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory above the one holding this executable: grade is
 * <root>/build/grade. NULL when /proc/self/exe can't be read. */
static char *exe_root(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	return xstrdup(dirname(dirname(exe)));
}

int kit_enter(struct kit *k, const char *root, const char *build, const char *lab, char *err, size_t errlen)
{
	memset(k, 0, sizeof *k);
	k->lab = lab ? lab : KIT_DEFAULT_LAB;
	/* Both resolved against where grade started, before entering the root. */
	k->build = build ? caller_path(build) : xstrdup(KIT_DEFAULT_BUILD);
	k->root = root ? caller_path(root) : exe_root();
	if (!k->root) {
		snprintf(err, errlen, "cannot find the kit root: %s (use --root)", strerror(errno));
		kit_free(k);
		return -1;
	}
	if (chdir(k->root) < 0) {
		snprintf(err, errlen, "cannot enter the kit root %s: %s", k->root, strerror(errno));
		kit_free(k);
		return -1;
	}
	return 0;
}

void kit_free(struct kit *k)
{
	free(k->root);
	free(k->build);
	k->root = k->build = NULL;
}

char *kit_conf(const struct kit *k) { return xasprintf("labs/%s/lab.conf", k->lab); }
char *kit_mutants(const struct kit *k) { return xasprintf("labs/%s/mutants", k->lab); }
char *kit_guests(const struct kit *k) { return xasprintf("guests/%s", k->lab); }
char *kit_handout(const struct kit *k) { return xasprintf("handout/%s", k->lab); }
char *kit_cache(const struct kit *k) { return xasprintf("%s/cache/%s", k->build, k->lab); }

char *kit_skeleton(const struct kit *k, const char *source)
{
	return xasprintf("skeleton/%s/%s", k->lab, source);
}

char *kit_solution(const struct kit *k, const char *source)
{
	return xasprintf("solution/%s/%s", k->lab, source);
}

char *kit_emu_lib_name(const struct kit *k)
{
	const char *env = getenv("KVMEMU_LIB");
	return env && *env ? xstrdup(env) : xasprintf("%s/libkvmemu.so", k->build);
}

char *kit_emu_lib_target(const struct kit *k)
{
	return xasprintf("%s/libkvmemu.so", k->build);
}

char *kit_emu_lib(const struct kit *k)
{
	const char *env = getenv("KVMEMU_LIB");
	char *given = env && *env ? caller_path(env) : xasprintf("%s/libkvmemu.so", k->build);
	char *real = realpath(given, NULL);
	free(given);
	struct stat st;
	if (real && (stat(real, &st) < 0 || !S_ISREG(st.st_mode))) {
		free(real);
		real = NULL;
	}
	return real;
}

int kit_lab_name_ok(const char *name)
{
	return *name && name[0] != '.' && !strchr(name, '/');
}
