/* test_expect.c — expectations: .exit words, the expect-dir, pins first. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expect.h"
#include "check_decl.h"

CHECK_SUITE("expect", "expect", NULL, NULL, 0);

TEST(exit_words)
{
	enum exit_class c;
	ck_assert_int_eq(parse_exit_word("success\n", &c), 0);
	ck_assert_int_eq(c, EXIT_SUCCESS_CLASS);
	ck_assert_int_eq(parse_exit_word("  error ", &c), 0);
	ck_assert_int_eq(c, EXIT_ERROR_CLASS);
	ck_assert_int_eq(parse_exit_word("0", &c), 0);
	ck_assert_int_eq(c, EXIT_SUCCESS_CLASS);
	ck_assert_int_eq(parse_exit_word("3", &c), 0);
	ck_assert_int_eq(c, EXIT_ERROR_CLASS);
	ck_assert_int_eq(parse_exit_word("126", &c), -1);
	ck_assert_int_eq(parse_exit_word("fine", &c), -1);
	ck_assert_int_eq(parse_exit_word("error error", &c), -1);
	ck_assert_int_eq(parse_exit_word("", &c), -1);
}
END_TEST

TEST(expect_dir_round_trip_and_pins)
{
	char dir[] = "/tmp/virtlab-test-exp.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	struct expectation w = { .ok = 1, .cls = EXIT_ERROR_CLASS, .out = "a\0b\n", .out_len = 4 };
	ck_assert_int_eq(expect_write(dir, "s", &w, 0644), 0);

	struct lab lab = { .cflags = "", .ldflags = "" };
	struct expect_src src = { .lab = &lab, .expect_dir = dir };
	struct scenario sc = { .name = "s" };
	struct run_spec spec = { 0 };
	struct expectation e;
	expect_get(&src, &sc, &spec, &e);
	ck_assert_msg(e.ok, "%s", e.why);
	ck_assert_int_eq(e.cls, EXIT_ERROR_CLASS);
	ck_assert_uint_eq(e.out_len, 4);
	ck_assert(memcmp(e.out, "a\0b\n", 4) == 0);
	expectation_free(&e);

	/* A pinned exit class overrides the directory's. */
	sc.pin_exit = EXIT_SUCCESS_CLASS;
	expect_get(&src, &sc, &spec, &e);
	ck_assert_int_eq(e.cls, EXIT_SUCCESS_CLASS);
	ck_assert_uint_eq(e.out_len, 4);
	expectation_free(&e);

	/* Missing files: no expectation, and why names the file. */
	struct scenario other = { .name = "absent" };
	expect_get(&src, &other, &spec, &e);
	ck_assert_int_eq(e.ok, 0);
	ck_assert_msg(strstr(e.why, "absent.exit"), "%s", e.why);
	expectation_free(&e);

	/* Without a reference or a directory: a clear reason, not a crash. */
	struct expect_src none = { .lab = &lab, .cachedir = dir, .workdir = dir };
	expect_get(&none, &other, &spec, &e);
	ck_assert_int_eq(e.ok, 0);
	ck_assert_msg(strstr(e.why, "reference solution"), "%s", e.why);
	expectation_free(&e);
	expect_src_free(&none);

	char *cmd = xasprintf("rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}
END_TEST
