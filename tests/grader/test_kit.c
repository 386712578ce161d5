/* test_kit.c — the kit's layout (util/kit.c): the one place paths are spelled. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_decl.h"
#include "kit.h"
#include "util.h"

CHECK_SUITE("kit", "kit", NULL, NULL, 0);

TEST(paths_of_a_lab)
{
	struct kit k;
	char err[600];
	remember_start_dir();
	ck_assert_msg(kit_enter(&k, "/tmp", NULL, "toy", err, sizeof err) == 0, "%s", err);
	char cwd[4096];
	ck_assert_str_eq(getcwd(cwd, sizeof cwd), "/tmp");
	ck_assert_str_eq(k.build, "build");   /* under the root: messages read build/... */
	char *p[] = { kit_conf(&k), kit_mutants(&k), kit_guests(&k), kit_handout(&k), kit_cache(&k),
		      kit_skeleton(&k, "v.c"), kit_solution(&k, "v.c"), kit_emu_lib_target(&k) };
	const char *want[] = { "labs/toy/lab.conf", "labs/toy/mutants", "guests/toy", "handout/toy",
			       "build/cache/toy", "skeleton/toy/v.c", "solution/toy/v.c", "build/libkvmemu.so" };
	for (size_t i = 0; i < sizeof p / sizeof *p; i++) {
		ck_assert_str_eq(p[i], want[i]);
		free(p[i]);
	}
	kit_free(&k);
}
END_TEST

TEST(build_elsewhere_is_the_callers_path)
{
	struct kit k;
	char err[600];
	ck_assert_int_eq(chdir("/usr"), 0);
	remember_start_dir();
	ck_assert_msg(kit_enter(&k, "/tmp", "../var/b", NULL, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(k.lab, KIT_DEFAULT_LAB);
	ck_assert_str_eq(k.build, "/usr/../var/b");
	char *c = kit_cache(&k);
	ck_assert_str_eq(c, "/usr/../var/b/cache/cpu_lab");
	free(c);
	kit_free(&k);
	ck_assert_int_eq(kit_enter(&k, "/nonexistent-kit", NULL, NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "cannot enter the kit root /nonexistent-kit") != NULL, "%s", err);
}
END_TEST
