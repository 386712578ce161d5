/* test_scenario.c — the scenario header: good headers and each error kind,
 * which must name file:line. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "suites.h"

static char err[600];

/* Parses text as "g/x.asm"; returns parse's rc, sc filled. */
static int parse(const char *text, struct scenario *sc)
{
	memset(sc, 0, sizeof *sc);
	err[0] = '\0';
	return scenario_parse("g/x.asm", text, sc, err, sizeof err);
}

/* The parse fails and err starts with want (file:line: ...). */
static void expect_error(const char *text, const char *want)
{
	struct scenario sc;
	int rc = parse(text, &sc);
	ck_assert_msg(rc == -1, "expected parse error '%s', got success", want);
	ck_assert_msg(strstr(err, want) == err, "expected error starting '%s', got '%s'", want, err);
	scenario_free(&sc);
}

START_TEST(minimal_header)
{
	struct scenario sc;
	ck_assert_int_eq(parse("; title: Hello\n; points: 3\nbits 16\n", &sc), 0);
	ck_assert_str_eq(sc.title, "Hello");
	ck_assert_int_eq(sc.points, 3);
	ck_assert_int_eq(sc.hidden, 0);
	ck_assert_int_eq(sc.emu_only, 0);
	ck_assert_int_eq(sc.random, 0);
	ck_assert_ptr_null(sc.hint);
	ck_assert_ptr_null(sc.pin_out);
	ck_assert_int_eq(sc.pin_exit, EXIT_UNSET);
	ck_assert(sc.timeout == 0);
	scenario_free(&sc);
}
END_TEST

START_TEST(full_header)
{
	struct scenario sc;
	const char *text =
		"; title: Batch\n"
		"; points: 0\n"
		"; visibility: hidden\n"
		"; backend: emu\n"
		"; emu-env: KVMEMU_STRING_BATCH=1 KVMEMU_PIO_OFFSET=8192\n"
		"; random: yes\n"
		"; hint: count > 1 is an error: see run->io.count\n"
		"; expect-exit: error\n"
		"; expect-stdout: \"a\\tb\\n\\x41\\101\\\\\\\"\\0z\"\n"
		"; timeout: 1.5\n"
		";\n"
		"; prose: not a header line any more? it is; header ended above\n";
	ck_assert_msg(parse(text, &sc) == 0, "parse failed: %s", err);
	ck_assert_int_eq(sc.points, 0);
	ck_assert_int_eq(sc.hidden, 1);
	ck_assert_int_eq(sc.emu_only, 1);
	ck_assert_str_eq(sc.emu_env[0], "KVMEMU_STRING_BATCH=1");
	ck_assert_str_eq(sc.emu_env[1], "KVMEMU_PIO_OFFSET=8192");
	ck_assert_ptr_null(sc.emu_env[2]);
	ck_assert_int_eq(sc.random, 1);
	ck_assert_str_eq(sc.hint, "count > 1 is an error: see run->io.count");
	ck_assert_int_eq(sc.pin_exit, EXIT_ERROR_CLASS);
	ck_assert_uint_eq(sc.pin_out_len, 10);
	ck_assert(memcmp(sc.pin_out, "a\tb\nAA\\\"\0z", 10) == 0);
	ck_assert(sc.timeout == 1.5);
	scenario_free(&sc);
}
END_TEST

START_TEST(header_ends_at_first_other_line)
{
	/* The ";" line ends the header: "; points" after it is prose. */
	expect_error("; title: T\n;\n; points: 2\n", "g/x.asm:2: missing required key 'points'");
}
END_TEST

START_TEST(crlf_header)
{
	struct scenario sc;
	ck_assert_msg(parse("; title: T\r\n; points: 2\r\nbits 16\r\n", &sc) == 0, "%s", err);
	ck_assert_str_eq(sc.title, "T");
	scenario_free(&sc);
}
END_TEST

START_TEST(errors_name_file_and_line)
{
	expect_error("", "g/x.asm:1: missing required key 'title'");
	expect_error("; points: 1\nbits 16\n", "g/x.asm:2: missing required key 'title'");
	expect_error("; title: T\nbits 16\n", "g/x.asm:2: missing required key 'points'");
	expect_error("; title: T\n; points: 1\n; colour: red\n", "g/x.asm:3: unknown key 'colour'");
	expect_error("; title: T\n; title: U\n; points: 1\n", "g/x.asm:2: duplicate key 'title'");
	expect_error("; title: T\n; points: -1\n", "g/x.asm:2: points: points must be an integer");
	expect_error("; title: T\n; points: 3x\n", "g/x.asm:2: points:");
	expect_error("; title: T\n; points: 99999999999\n", "g/x.asm:2: points:");
	expect_error("; title: T\n; points: 1\n; visibility: secret\n", "g/x.asm:3: visibility:");
	expect_error("; title: T\n; points: 1\n; backend: kvm\n", "g/x.asm:3: backend:");
	expect_error("; title: T\n; points: 1\n; random: maybe\n", "g/x.asm:3: random:");
	expect_error("; title: T\n; points: 1\n; expect-exit: 0\n", "g/x.asm:3: expect-exit:");
	expect_error("; title: T\n; points: 1\n; timeout: 0\n", "g/x.asm:3: timeout:");
	expect_error("; title: T\n; points: 1\n; timeout: soon\n", "g/x.asm:3: timeout:");
	expect_error("; title:\n; points: 1\n", "g/x.asm:1: title: empty value");
	expect_error("; title: a\x1b[2Jb\n; points: 1\n", "g/x.asm:1: title: control character");
}
END_TEST

START_TEST(bad_expect_stdout)
{
	expect_error("; title: T\n; points: 1\n; expect-stdout: hello\n", "g/x.asm:3: expect-stdout:");
	expect_error("; title: T\n; points: 1\n; expect-stdout: \"abc\n", "g/x.asm:3: expect-stdout:");
	expect_error("; title: T\n; points: 1\n; expect-stdout: \"a\\qb\"\n", "g/x.asm:3: expect-stdout: bad escape");
	expect_error("; title: T\n; points: 1\n; expect-stdout: \"a\\\"\n", "g/x.asm:3: expect-stdout:");
	expect_error("; title: T\n; points: 1\n; expect-stdout: \"a\"b\"\n", "g/x.asm:3: expect-stdout:");
	expect_error("; title: T\n; points: 1\n; expect-stdout: \"\\777\"\n", "g/x.asm:3: expect-stdout: bad escape");
}
END_TEST

START_TEST(empty_expect_stdout_is_valid)
{
	struct scenario sc;
	ck_assert_msg(parse("; title: T\n; points: 1\n; expect-stdout: \"\"\n", &sc) == 0, "%s", err);
	ck_assert_ptr_nonnull(sc.pin_out);
	ck_assert_uint_eq(sc.pin_out_len, 0);
	scenario_free(&sc);
}
END_TEST

START_TEST(emu_env_rules)
{
	expect_error("; title: T\n; points: 1\n; emu-env: KVMEMU_QUIET=1\n",
		     "g/x.asm:3: emu-env requires 'backend: emu'");
	expect_error("; title: T\n; points: 1\n; backend: emu\n; emu-env: LD_PRELOAD=/x.so\n",
		     "g/x.asm:4: emu-env:");
	expect_error("; title: T\n; points: 1\n; backend: emu\n; emu-env: KVMEMU_X\n", "g/x.asm:4: emu-env:");
}
END_TEST

START_TEST(discover_sorted_and_errors)
{
	char dir[] = "/tmp/virtlab-test-scen.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[600];
	const char *names[] = { "b.asm", "a.asm", "c.txt" };
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "w");
		fputs("; title: T\n; points: 1\nhlt\n", f);
		fclose(f);
	}
	struct scenario *v;
	int n = scenario_discover(dir, &v, err, sizeof err);
	ck_assert_msg(n == 2, "expected 2 scenarios, got %d (%s)", n, err);
	ck_assert_str_eq(v[0].name, "a");
	ck_assert_str_eq(v[1].name, "b");
	scenarios_free(v, n);

	snprintf(path, sizeof path, "%s/bad.asm", dir);
	FILE *f = fopen(path, "w");
	fputs("; title: T\n; pionts: 1\n", f);
	fclose(f);
	ck_assert_int_eq(scenario_discover(dir, &v, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "bad.asm:2: unknown key 'pionts'"), "got '%s'", err);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(assemble_caches_and_reports_errors)
{
	char dir[] = "/tmp/virtlab-test-asm.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[600];
	snprintf(path, sizeof path, "%s/g.asm", dir);
	FILE *f = fopen(path, "w");
	fputs("; title: T\n; points: 1\nbits 16\norg 0x1000\ndb SEED\n", f);
	fclose(f);
	struct scenario sc = { .name = "g", .path = path, .random = 1 };
	char *a = scenario_assemble(&sc, 7, dir, err, sizeof err);
	ck_assert_msg(a != NULL, "assemble failed: %s", err);
	char *b = scenario_assemble(&sc, 7, dir, err, sizeof err);
	char *c = scenario_assemble(&sc, 8, dir, err, sizeof err);
	ck_assert_str_eq(a, b);       /* cached under the same key */
	ck_assert_str_ne(a, c);       /* a new seed is a new image */
	free(a); free(b); free(c);

	f = fopen(path, "w");
	fputs("; title: T\n; points: 1\nbits 16\nmov ax, [nowhere\n", f);
	fclose(f);
	ck_assert_ptr_null(scenario_assemble(&sc, 7, dir, err, sizeof err));
	ck_assert_msg(strstr(err, "g.asm:4:"), "nasm's error should name g.asm:4, got '%s'", err);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *suite_scenario(void)
{
	Suite *s = suite_create("scenario");
	TCase *t = tcase_create("header");
	tcase_add_test(t, minimal_header);
	tcase_add_test(t, full_header);
	tcase_add_test(t, header_ends_at_first_other_line);
	tcase_add_test(t, crlf_header);
	tcase_add_test(t, errors_name_file_and_line);
	tcase_add_test(t, bad_expect_stdout);
	tcase_add_test(t, empty_expect_stdout_is_valid);
	tcase_add_test(t, emu_env_rules);
	tcase_add_test(t, discover_sorted_and_errors);
	tcase_add_test(t, assemble_caches_and_reports_errors);
	suite_add_tcase(s, t);
	return s;
}
