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

/* The test of suite declared first after line `last`, NULL past the last:
 * the compiler may emit a file's records in any order (gcc -O2 reverses
 * them), and tests run as they are written. */
static const TTest *next_test(const struct check_suite *suite, int last)
{
	const TTest *next = NULL;
	for (const struct check_entry *e = __start_check_tests; e < __stop_check_tests; e++) {
		const TTest *x = *e->test;
		if (e->suite == suite && x->line > last && (!next || x->line < next->line))
			next = x;
	}
	return next;
}

/* CHECK_ONLY=name,name...: run only those tests (a slow harness's subset,
 * e.g. make test-cgroup2's); unset: every test. */
static int wanted(const char *name)
{
	const char *only = getenv("CHECK_ONLY");
	if (!only || !*only)
		return 1;
	size_t n = strlen(name);
	for (const char *p = only; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == 0))
			return 1;
	return 0;
}

/* Whether e is the first record of its suite (suites run in link order). */
static int first_of_suite(const struct check_entry *e)
{
	for (const struct check_entry *x = __start_check_tests; x < e; x++)
		if (x->suite == e->suite)
			return 0;
	return 1;
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
	for (const struct check_entry *e = __start_check_tests; e < __stop_check_tests; e++) {
		if (!first_of_suite(e))
			continue;
		Suite *s = suite_create(e->suite->suite);
		TCase *t = tcase_create(e->suite->tcase);
		if (e->suite->setup || e->suite->teardown)
			tcase_add_checked_fixture(t, e->suite->setup, e->suite->teardown);
		tcase_set_timeout(t, e->suite->timeout > CHECK_HANG_GUARD ? e->suite->timeout
									: CHECK_HANG_GUARD);
		for (const TTest *x = next_test(e->suite, 0); x; x = next_test(e->suite, x->line))
			if (wanted(x->name))
				tcase_add_test(t, x);
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
	int run = srunner_ntests_run(sr), failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	int skipped = report_skips();
	unlink(skip_path);
	/* Check counted each skip as a pass; this line doesn't. */
	printf("%d passed, %d failed, %d skipped\n", run - failed - skipped, failed, skipped);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int check_skip_all(const char *why)
{
	int n = 0;
	for (const struct check_entry *e = __start_check_tests; e < __stop_check_tests; e++) {
		if (!first_of_suite(e))
			continue;
		for (const TTest *x = next_test(e->suite, 0); x; x = next_test(e->suite, x->line), n++)
			printf("SKIP %s: %s\n", x->name, why);
	}
	printf("0 passed, 0 failed, %d skipped\n", n);
	return EXIT_SUCCESS;
}
