/* test_verdict.c — exit classes, causes, first difference and its report. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "check_decl.h"
#include "lang.h"
#include "verdict.h"

static struct run_outcome outcome(enum end_kind end, int code, const char *out, const char *err)
{
	struct run_outcome o = { .end = end, .code = code, .timeout_s = 2, .out_cap = 65536 };
	o.out = (char *)out;
	o.out_len = strlen(out);
	o.err = (char *)err;
	o.err_len = strlen(err);
	return o;
}

static struct expectation exp_of(enum exit_class cls, const char *out)
{
	struct expectation e = { .ok = 1, .cls = cls, .out = (char *)out, .out_len = strlen(out) };
	return e;
}

static void check_verdict(struct expectation e, struct run_outcome o, int pass, const char *cause)
{
	struct verdict v;
	judge(&e, &o, &v);
	ck_assert_msg(v.pass == pass, "expected pass=%d, got %d (cause '%s')", pass, v.pass, v.cause);
	ck_assert_msg(!strcmp(v.cause, cause), "expected cause '%s', got '%s'", cause, v.cause);
}

CHECK_SUITE("verdict", "verdict", NULL, NULL, 0);

TEST(exit_classes)
{
	struct run_outcome o = outcome(END_EXITED, 0, "", "");
	ck_assert_int_eq(exit_class_of(&o), EXIT_SUCCESS_CLASS);
	o = outcome(END_EXITED, 1, "", "msg\n");
	ck_assert_int_eq(exit_class_of(&o), EXIT_ERROR_CLASS);
	o = outcome(END_EXITED, 125, "", "m");
	ck_assert_int_eq(exit_class_of(&o), EXIT_ERROR_CLASS);
	o = outcome(END_EXITED, 1, "", "");       /* no message: not an error exit */
	ck_assert_int_eq(exit_class_of(&o), EXIT_UNSET);
	o = outcome(END_EXITED, 126, "", "m");
	ck_assert_int_eq(exit_class_of(&o), EXIT_UNSET);
	o = outcome(END_SIGNALED, SIGSEGV, "", "");
	ck_assert_int_eq(exit_class_of(&o), EXIT_UNSET);
}
END_TEST

TEST(causes)
{
	struct expectation ok = exp_of(EXIT_SUCCESS_CLASS, "hi\n"), er = exp_of(EXIT_ERROR_CLASS, "hi\n");
	check_verdict(ok, outcome(END_EXITED, 0, "hi\n", ""), 1, "");
	check_verdict(ok, outcome(END_EXITED, 0, "hi\n", "debug noise\n"), 1, "");
	check_verdict(er, outcome(END_EXITED, 3, "hi\n", "bad port\n"), 1, "");
	check_verdict(ok, outcome(END_EXITED, 0, "HI\n", ""), 0, "wrong output");
	check_verdict(er, outcome(END_EXITED, 0, "hi\n", ""), 0,
		      "exited 0, expected an error exit with a message on stderr");
	check_verdict(er, outcome(END_EXITED, 1, "hi\n", ""), 0,
		      "exited 1 with nothing on stderr, expected an error exit with a message on stderr");
	check_verdict(ok, outcome(END_EXITED, 1, "hi\n", "x"), 0, "exited 1, expected exit status 0");
	check_verdict(er, outcome(END_EXITED, 0, "hi\nmore", ""), 0,
		      "wrong output; exited 0, expected an error exit with a message on stderr");
	check_verdict(ok, outcome(END_SIGNALED, SIGSEGV, "hi\n", ""), 0, "killed by SIGSEGV");
	struct run_outcome spun = outcome(END_TIMEOUT, 0, "hi\n", "");
	spun.over_budget = 1;
	check_verdict(ok, spun, 0, "timed out: used its CPU budget of 2 s");
	check_verdict(ok, outcome(END_FLOOD, 0, "hi\n", ""), 0, "output flood (> 65536 bytes)");
}
END_TEST

/* Over the whole box's memory limit (the sandbox's over_memory): the
 * student's cause, `memory`, named with the limit, never a crash or a grader error. */
TEST(memory_limit_is_its_own_cause)
{
	struct expectation ok = exp_of(EXIT_SUCCESS_CLASS, "hi\n");
	struct run_outcome o = outcome(END_SIGNALED, SIGKILL, "", "");
	o.over_memory = 1;
	o.mem_limit = (size_t)96 << 20;
	struct verdict v;
	judge(&ok, &o, &v);
	ck_assert_int_eq(v.pass, 0);
	ck_assert_int_eq(v.grader_error, 0);
	ck_assert_str_eq(cause_name(v.code), "memory");
	ck_assert_str_eq(v.cause, "killed: over its memory limit of 96 MiB (the whole box)");
	o.end = END_TIMEOUT;   /* stalled at the limit, reclaiming its own pages */
	judge(&ok, &o, &v);
	ck_assert_str_eq(cause_name(v.code), "memory");
	ck_assert_str_eq(v.cause, "timed out at its memory limit of 96 MiB (the whole box)");
	o.end = END_SANDBOX;   /* the sandbox's failure stays the grader's */
	judge(&ok, &o, &v);
	ck_assert_int_eq(v.grader_error, 1);
}
END_TEST

TEST(sandbox_failure_is_grader_error)
{
	struct expectation ok = exp_of(EXIT_SUCCESS_CLASS, "hi\n");
	struct run_outcome o = outcome(END_SANDBOX, 0, "", "");
	strcpy(o.diag, "bwrap: setting up uid map: Permission denied");
	struct verdict v;
	judge(&ok, &o, &v);
	ck_assert_int_eq(v.pass, 0);
	ck_assert_int_eq(v.grader_error, 1);
	ck_assert_str_eq(v.cause, "sandbox failure: bwrap: setting up uid map: Permission denied");
}
END_TEST

TEST(first_difference)
{
	ck_assert_uint_eq(first_diff("abc", 3, "abc", 3), NO_DIFF);
	ck_assert_uint_eq(first_diff("", 0, "", 0), NO_DIFF);
	ck_assert_uint_eq(first_diff("abc", 3, "abd", 3), 2);
	ck_assert_uint_eq(first_diff("abc", 3, "ab", 2), 2);      /* got is a prefix */
	ck_assert_uint_eq(first_diff("ab", 2, "abc", 3), 2);      /* extra output */
	ck_assert_uint_eq(first_diff("a\0b", 3, "a\0c", 3), 2);   /* NULs are bytes */
}
END_TEST

TEST(difference_report)
{
	struct buf b = {0};
	const char *e = "hello, world!\n", *g = "hello, WORLD!\n";
	diff_report(&b, "", e, strlen(e), g, strlen(g), 7);
	const char *want =
		"first difference at byte 7 (expected 14 bytes, got 14):\n"
		"  expected: \"hello, world!\\n\"\n"
		"  got:      \"hello, WORLD!\\n\"\n"
		"                    ^\n";
	ck_assert_msg(!strcmp(buf_str(&b), want), "expected:\n%s\ngot:\n%s", want, buf_str(&b));
	buf_free(&b);
}
END_TEST

TEST(difference_report_context_and_escapes)
{
	/* 40 bytes of 'a', then the difference: only ~20 bytes each side shown. */
	char e[100], g[100];
	memset(e, 'a', 40);
	memset(g, 'a', 40);
	strcpy(e + 40, "\nxyz and then a long tail that is cut off");
	strcpy(g + 40, "\x1b[31mred");
	struct buf b = {0};
	diff_report(&b, "", e, strlen(e), g, strlen(g), 40);
	const char *s = buf_str(&b);
	ck_assert_msg(strstr(s, "  expected: ...\"aaaaaaaaaaaaaaaaaaaa\\nxyz and then a long\"...\n"), "%s", s);
	ck_assert_msg(strstr(s, "  got:      ...\"aaaaaaaaaaaaaaaaaaaa\\x1b[31mred\"\n"), "%s", s);
	ck_assert_msg(!strchr(s, 0x1b), "raw escape byte in report: %s", s);
	buf_free(&b);

	/* got ends early. */
	diff_report(&b, "  ", "abc", 3, "ab", 2, 2);
	ck_assert_msg(strstr(buf_str(&b), "got:      \"ab\" (output ends here)"), "%s", buf_str(&b));
	buf_free(&b);
}
END_TEST

TEST(difference_report_utf8)
{
	/* "你好，世界" vs "你好，世間": the first difference is inside 界/間
	 * (same lead byte 0xe7): the split goes back to the character, shown as
	 * it is, and the caret stands under it (CJK: 2 columns each). */
	const char *e = "\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c\n";
	const char *g = "\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe9\x96\x93\n";
	size_t at = first_diff(e, strlen(e), g, strlen(g));
	ck_assert_uint_eq(at, 12);
	struct buf b = {0};
	diff_report(&b, "", e, strlen(e), g, strlen(g), at);
	const char *want =
		"first difference at byte 12 (expected 16 bytes, got 16):\n"
		"  expected: \"\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c\\n\"\n"
		"  got:      \"\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe9\x96\x93\\n\"\n"
		"                     ^\n";   /* 12 + the quote + 4 wide characters */
	ck_assert_msg(!strcmp(buf_str(&b), want), "expected:\n%s\ngot:\n%s", want, buf_str(&b));
	buf_free(&b);
}
END_TEST

TEST(end_descriptions)
{
	char buf[300];
	struct run_outcome o = outcome(END_SIGNALED, SIGABRT, "", "");
	describe_end(&o, buf, sizeof buf);
	ck_assert_str_eq(buf, "killed by SIGABRT");
	o = outcome(END_SIGNALED, 77, "", "");
	describe_end(&o, buf, sizeof buf);
	ck_assert_str_eq(buf, "killed by signal 77");
	o = outcome(END_TIMEOUT, 0, "", "");
	o.timeout_s = 0.5;
	o.over_budget = 1;
	describe_end(&o, buf, sizeof buf);
	ck_assert_str_eq(buf, "timed out: used its CPU budget of 0.5 s");
	o.over_insns = 1;   /* kvmemu's KVMEMU_INSN_LIMIT: the budget in its own units */
	o.insn_budget = 10000000;
	describe_end(&o, buf, sizeof buf);
	ck_assert_str_eq(buf, "timed out: used its budget of 10000000 guest instructions");
	lang_set(LANG_ZH);
	describe_end(&o, buf, sizeof buf);
	lang_set(LANG_EN);
	ck_assert_str_eq(buf, "超时：用完了 10000000 条客户机指令的预算");
	o.over_insns = 0;
	o.over_budget = 0;   /* asleep at the wall-clock safety net: the report says what it used */
	o.wall_s = 4;
	o.cpu_s = 0.01;
	describe_end(&o, buf, sizeof buf);
	ck_assert_str_eq(buf, "timed out: still running after 4 s of wall clock, 0.01 s of CPU used (asleep or blocked?)");
	o = outcome(END_EXITED, 3, "", "");
	describe_end(&o, buf, sizeof buf);
	ck_assert_str_eq(buf, "exited 3");
}
END_TEST
