/* test_batch_ux.c — the pure parts of the batch's and make's feedback to TAs: the
 * resume key (mode/batch.c), --student matching, the progress line and its
 * ETA (mode/batch_sched.c), the --scenario filter (core/grading.c) and the
 * new options (util/cli.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "check_decl.h"
#include "cli.h"
#include "grading.h"

CHECK_SUITE("batch_ux", "batch_ux", NULL, NULL, 0);

TEST(content_key_names_the_bytes)
{
	const char *base = "lab=cpu_lab fingerprint=00ff seed=3";
	struct digest a = submission_hash("int main;", 9), b = submission_hash("int main;", 9);
	struct digest c = submission_hash("int main; ", 10), d = submission_hash("int main:", 9);
	ck_assert_str_eq(a.hex, b.hex);          /* the same bytes, the same key: reused */
	ck_assert_str_ne(a.hex, c.hex);          /* one more byte: regraded */
	ck_assert_str_ne(a.hex, d.hex);          /* one byte changed */
	char *ka = student_key(base, &a), *kc = student_key(base, &c);
	ck_assert_str_ne(ka, kc);
	ck_assert(!strncmp(ka, base, strlen(base)));
	ck_assert_msg(strstr(ka, " content=") != NULL, "no content field in '%s'", ka);
	/* The content field is fixed-width hex: no key is a prefix of another. */
	ck_assert_uint_eq(strlen(ka), strlen(base) + strlen(" content=") + 64);   /* SHA-256 */
	ck_assert(key_same_lab(ka, base) && key_same_lab(kc, base));
	ck_assert(!key_same_lab(ka, "lab=cpu_lab fingerprint=00ff seed=4"));
	ck_assert(!key_same_lab(ka, "lab=cpu_lab fingerprint=00ff"));   /* seed=3... is not " content=" */
	ck_assert(!key_same_lab(base, base));    /* a row from before content keys: another lab */
	free(ka);
	free(kc);
}
END_TEST

TEST(student_matching_is_exact)
{
	struct student st[3] = {
		{ .name = "alice", .entry = "alice.c" },
		{ .name = "bob", .entry = "bob" },
		{ .name = "李华", .entry = "李华" },
	};
	ck_assert_int_eq(student_find(st, 3, "alice"), 0);
	ck_assert_int_eq(student_find(st, 3, "alice.c"), 0);
	ck_assert_int_eq(student_find(st, 3, "bob"), 1);
	ck_assert_int_eq(student_find(st, 3, "李华"), 2);
	ck_assert_int_eq(student_find(st, 3, "Alice"), -1);   /* no case folding */
	ck_assert_int_eq(student_find(st, 3, "ali"), -1);     /* no prefixes */
	ck_assert_int_eq(student_find(st, 3, "bob/"), -1);
	ck_assert_int_eq(student_find(st, 3, ""), -1);
}
END_TEST

TEST(durations)
{
	char t[32];
	format_duration(t, sizeof t, 0);
	ck_assert_str_eq(t, "0s");
	format_duration(t, sizeof t, 12.4);
	ck_assert_str_eq(t, "12s");
	format_duration(t, sizeof t, 59.6);
	ck_assert_str_eq(t, "1m00s");
	format_duration(t, sizeof t, 65);
	ck_assert_str_eq(t, "1m05s");
	format_duration(t, sizeof t, 3600 + 125);
	ck_assert_str_eq(t, "1h02m");
	format_duration(t, sizeof t, -3);
	ck_assert_str_eq(t, "0s");
}
END_TEST

TEST(progress_line_rate_and_eta)
{
	struct buf b = {0};
	/* 10 of 40 in 30 s: 20 a minute, 30 left: 90 s. */
	progress_line(&b, 10, 40, 30, "alice", "graded 27/27");
	ck_assert_str_eq(buf_str(&b), "[10/40] alice: graded 27/27; 20.0/min, ETA 1m30s");
	buf_free(&b);
	progress_line(&b, 3, 120, 1, "bob", "did not compile 0/27");
	ck_assert_str_eq(buf_str(&b), "[  3/120] bob: did not compile 0/27; 180.0/min, ETA 39s");
	buf_free(&b);
	progress_line(&b, 5, 5, 10, "x", "graded 1/2");
	ck_assert_str_eq(buf_str(&b), "[5/5] x: graded 1/2; 30.0/min, ETA 0s");
	buf_free(&b);
}
END_TEST

TEST(progress_names_escaped_utf8_kept)
{
	struct buf b = {0};
	progress_line(&b, 1, 2, 1, "李华", "graded 1/1");
	ck_assert_msg(strstr(buf_str(&b), "] 李华: ") != NULL, "got '%s'", buf_str(&b));
	buf_free(&b);
	progress_line(&b, 1, 2, 1, "evil\033[31m\r", "graded 1/1");
	ck_assert_msg(!strchr(buf_str(&b), '\033') && !strchr(buf_str(&b), '\r'), "raw control in '%s'", buf_str(&b));
	ck_assert_msg(strstr(buf_str(&b), "evil\\x1b[31m\\r") != NULL, "got '%s'", buf_str(&b));
	buf_free(&b);
	/* 30 CJK characters (90 bytes): cut at 80 bytes, between characters. */
	char long_name[128] = "";
	for (int i = 0; i < 30; i++)
		strcat(long_name, "李");
	progress_line(&b, 1, 2, 1, long_name, "graded 1/1");
	const char *got = buf_str(&b), *colon = strstr(got, ": graded");
	ck_assert_ptr_nonnull(colon);
	ck_assert_int_eq((int)(colon - (got + strlen("[1/2] "))), 78);   /* 26 characters, not 80 bytes */
	buf_free(&b);
	char *p = printable("bad\xff");
	ck_assert_str_eq(p, "bad\\xff");
	free(p);
}
END_TEST

static struct scenario four[4] = {
	{ .name = "hello" }, { .name = "wrong_port" }, { .name = "rep_outsb" }, { .name = "upper" },
};

TEST(scenario_filter_selects_by_exact_name)
{
	int keep[4];
	char err[400];
	ck_assert_int_eq(scenario_filter(four, 4, "upper,hello", keep, err, sizeof err), 2);
	ck_assert(keep[0] && !keep[1] && !keep[2] && keep[3]);
	ck_assert_int_eq(scenario_filter(four, 4, "hello,hello,", keep, err, sizeof err), 1);
	ck_assert(keep[0] && !keep[1] && !keep[2] && !keep[3]);
	ck_assert_int_eq(scenario_filter(four, 4, "wrong_port", keep, err, sizeof err), 1);
	ck_assert(keep[1]);
}
END_TEST

TEST(scenario_filter_unknown_names_the_known)
{
	int keep[4];
	char err[400];
	ck_assert_int_eq(scenario_filter(four, 4, "hello,Hello", keep, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "no scenario 'Hello'") && strstr(err, "hello wrong_port rep_outsb upper"),
		      "got '%s'", err);
	ck_assert_int_eq(scenario_filter(four, 4, "hell", keep, err, sizeof err), -1);   /* no prefixes */
	ck_assert_int_eq(scenario_filter(four, 4, "\033[2J", keep, err, sizeof err), -1);
	ck_assert_msg(!strchr(err, '\033'), "raw ESC in '%s'", err);
	ck_assert_int_eq(scenario_filter(four, 4, ",", keep, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "needs scenario names") != NULL, "got '%s'", err);
}
END_TEST

static int parse(struct cli *o, const char **words)
{
	int argc = 0;
	while (words[argc])
		argc++;
	return cli_parse(argc, (char **)words, o);
}

TEST(cli_student_force_scenario)
{
	struct cli o;
	const char *b[] = { "grade", "--batch", "d", "--student", "a", "--student", "b,c", "--force", NULL };
	ck_assert_int_eq(parse(&o, b), 0);
	ck_assert_int_eq(o.nstudents, 2);
	ck_assert_str_eq(o.students[0], "a");
	ck_assert_str_eq(o.students[1], "b,c");
	ck_assert(o.force);
	const char *g[] = { "grade", "--scenario", "hello,upper", "a.c", NULL };
	ck_assert_int_eq(parse(&o, g), 0);
	ck_assert_str_eq(o.scenarios, "hello,upper");
	/* A partial grade is never a batch's row. */
	const char *bs[] = { "grade", "--batch", "d", "--scenario", "hello", NULL };
	ck_assert_int_eq(parse(&o, bs), EXIT_SETUP);
	const char *row[] = { "grade", "--scenario", "hello", "--row", "r", "--row-key", "k", "a.c", NULL };
	ck_assert_int_eq(parse(&o, row), EXIT_SETUP);
	/* batch-only options in one grading */
	const char *sg[] = { "grade", "--student", "a", "a.c", NULL };
	ck_assert_int_eq(parse(&o, sg), EXIT_SETUP);
	const char *fg[] = { "grade", "--force", "a.c", NULL };
	ck_assert_int_eq(parse(&o, fg), EXIT_SETUP);
	const char *empty[] = { "grade", "--batch", "d", "--student", "", NULL };
	ck_assert_int_eq(parse(&o, empty), EXIT_SETUP);
}
END_TEST
