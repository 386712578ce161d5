/*
 * check_decl.h — Check tests declared once. A test file says which suite its
 * tests belong to, once, and each test is one TEST(name) { ... } END_TEST:
 * no tcase_add_test() list, no suite function, no list of suites to keep in
 * step. TEST() puts a record in the `check_tests` section; check_run()
 * (check_decl.c) builds one suite per CHECK_SUITE from what the linker
 * gathered there, in file order.
 *
 *   CHECK_SUITE("intake", "intake", setup_dir, teardown_dir, 0);
 *   TEST(symlinks_never_followed) { ... } END_TEST
 *
 * A test that cannot run here says so with CHECK_SKIP("why") and returns:
 * it is reported as skipped (a line `SKIP name: why` and the count in
 * the last line, `N passed, F failed, K skipped`), never counted as a pass.
 * CHECK_ONLY=name,name runs only the tests named (a slow harness's subset).
 */
#ifndef VIRTLAB_CHECK_DECL_H
#define VIRTLAB_CHECK_DECL_H

#include <check.h>

struct check_suite {
	const char *suite, *tcase;
	SFun setup, teardown;     /* a checked fixture, or NULL */
	int timeout;              /* seconds, at least CHECK_HANG_GUARD; 0: that guard */
};

/* A test's time limit only catches a hang: it is never a speed check (those
 * are benchmarks), so it is generous enough for a loaded machine. Check's own
 * default (4 s) failed rm_rf_any_depth at load average 10. */
#define CHECK_HANG_GUARD 120

struct check_entry {
	const struct check_suite *suite;
	const TTest *const *test;
};

/* Once per file, before its tests. */
#define CHECK_SUITE(sname, tname, setup, teardown, timeout) \
	static const struct check_suite check_file_suite = { sname, tname, setup, teardown, timeout }

/* START_TEST, plus the record that registers it. */
#define TEST(name) \
	static const TTest *name; \
	static const struct check_entry name##_entry __attribute__((used, section("check_tests"))) = \
		{ &check_file_suite, &name }; \
	START_TEST(name)

/* Reports the running test as skipped, with why (printf format), and returns. */
#define CHECK_SKIP(...) \
	do { \
		check_skip(__func__, __VA_ARGS__); \
		return; \
	} while (0)

void check_skip(const char *fn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs every registered test; the exit status for main (0: all passed).
 * Its last line: `N passed, F failed, K skipped` (skips not counted as passes). */
int check_run(void);

/* Reports every registered test as skipped, with why (the whole suite can't
 * run here); the exit status for main (0). */
int check_skip_all(const char *why);

#endif
