/* check_decl.c — runs the tests TEST() registered (check_decl.h). */
#include "check_decl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The linker's bounds of the section every TEST() record lands in. */
extern const struct check_entry __start_check_tests[], __stop_check_tests[];

/* Skips are written to this file by the (forked) tests and counted here. */
static char skip_path[] = "/tmp/check-skips.XXXXXX";

void check_skip(const char *fn, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	FILE *f = fopen(skip_path, "a");
	if (f) {
		/* fn is name_fn (START_TEST's naming): the test's name before it. */
		fprintf(f, "SKIP %.*s: %s\n", (int)(strlen(fn) > 3 ? strlen(fn) - 3 : strlen(fn)), fn, why);
		fclose(f);
	}
}

/* Prints the skips and returns how many there were. */
static int report_skips(void)
{
	FILE *f = fopen(skip_path, "r");
	char line[600];
	int n = 0;
	while (f && fgets(line, sizeof line, f)) {
		fputs(line, stdout);
		n++;
	}
	if (f)
		fclose(f);
	return n;
}

int check_run(void)
{
	int fd = mkstemp(skip_path);
	if (fd < 0) {
		perror("check_run: mkstemp");
		return EXIT_FAILURE;
	}
	close(fd);
	SRunner *sr = NULL;
	const struct check_suite *done[64];
	int ndone = 0;
	for (const struct check_entry *e = __start_check_tests; e < __stop_check_tests; e++) {
		int seen = 0;
		for (int i = 0; i < ndone; i++)
			seen |= done[i] == e->suite;
		if (seen || ndone == 64)
			continue;
		done[ndone++] = e->suite;
		Suite *s = suite_create(e->suite->suite);
		TCase *t = tcase_create(e->suite->tcase);
		if (e->suite->setup || e->suite->teardown)
			tcase_add_checked_fixture(t, e->suite->setup, e->suite->teardown);
		if (e->suite->timeout)
			tcase_set_timeout(t, e->suite->timeout);
		for (const struct check_entry *x = e; x < __stop_check_tests; x++)
			if (x->suite == e->suite)
				tcase_add_test(t, *x->test);
		suite_add_tcase(s, t);
		if (!sr)
			sr = srunner_create(s);
		else
			srunner_add_suite(sr, s);
	}
	if (!sr) {
		fputs("check_run: no tests registered\n", stderr);
		unlink(skip_path);
		return EXIT_FAILURE;
	}
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	int skipped = report_skips();
	if (skipped)
		printf("%d test(s) skipped (counted above as run: Check has no skip status)\n", skipped);
	unlink(skip_path);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
