/* test_diagnose.c — one diagnosis per root cause (issue 23): the rules file
 * (each error names file:line), each symptom on runs that show it and on
 * runs that don't, applying (rule order, min, teaching order), rendering at
 * the top in both languages, covered scenarios kept short; the teaching
 * order; title-zh and hint-on. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_decl.h"
#include "diagnose.h"
#include "lab.h"
#include "lang.h"
#include "report.h"
#include "verdict.h"

CHECK_SUITE("diagnose", "diagnose", NULL, NULL, 0);

static char err[600];

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- the rules file ---------------------------------------------------- */

static const char *const RULES =
	"# comment\n"
	"[shutdown]\n"
	"match = stderr \"KVM_EXIT_SHUTDOWN\"\n"
	"symptom = the guest triple-faulted\n"
	"symptom-zh = 三重错误\n"
	"cause = page tables # not a comment here\n"
	"see = handout, FAQ\n"
	"\n"
	"[dirty]\n"
	"match = line \"dirty pages: \" +3\n"
	"symptom = 3 too many\n"
	"cause = A and D\n"
	"min = 1\n"
	"expect = success\n"
	"[case]\n"
	"match = case-only\n"
	"symptom = letter case\n"
	"cause = tolower\n"
	"[quiet]\n"
	"match = stdout-max 1\n"
	"symptom = stopped at once\n"
	"cause = break\n";

TEST(rules_parse)
{
	struct diag_rules d;
	ck_assert_msg(diag_parse("labs/x/diagnoses", RULES, &d, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(d.n, 4);
	ck_assert_str_eq(d.r[0].name, "shutdown");
	ck_assert_int_eq(d.r[0].match, DM_STDERR);
	ck_assert_str_eq(d.r[0].arg, "KVM_EXIT_SHUTDOWN");
	ck_assert_str_eq(d.r[0].cause, "page tables # not a comment here");
	ck_assert_str_eq(d.r[0].symptom_zh, "三重错误");
	ck_assert_int_eq(d.r[0].min, 2);
	ck_assert_int_eq(d.r[0].line, 2);
	ck_assert_ptr_null(d.r[0].cause_zh);
	ck_assert_int_eq(d.r[1].match, DM_LINE);
	ck_assert_str_eq(d.r[1].arg, "dirty pages: ");
	ck_assert(d.r[1].has_delta && d.r[1].delta == 3 && d.r[1].min == 1 && d.r[1].expect == EXIT_SUCCESS_CLASS);
	ck_assert_int_eq(d.r[2].match, DM_CASE_ONLY);
	ck_assert(d.r[3].match == DM_STDOUT_MAX && d.r[3].delta == 1);
	diag_rules_free(&d);
}
END_TEST

static void rule_error(const char *text, const char *want)
{
	struct diag_rules d;
	err[0] = '\0';
	ck_assert_msg(diag_parse("D", text, &d, err, sizeof err) == -1, "accepted:\n%s", text);
	ck_assert_msg(strstr(err, want) == err, "want '%s', got '%s'", want, err);
	ck_assert_int_eq(d.n, 0);
}

TEST(rules_errors_name_the_line)
{
	rule_error("match = case-only\n", "D:1: a key before the first `[name]`");
	rule_error("[a]\nmatch = stderr \"x\"\nsymptom = s\n", "D:3: rule [a]: missing required key 'cause'");
	rule_error("[a]\nsymptom = s\ncause = c\n", "D:3: rule [a]: missing required key 'match'");
	rule_error("[a]\nmatch = stderr x\n", "D:2: match: expected a string in double quotes");
	rule_error("[a]\nmatch = stderr \"x\n", "D:2: match: unterminated string");
	rule_error("[a]\nmatch = stderr \"\"\n", "D:2: match: the string is empty");
	rule_error("[a]\nmatch = stderr \"x\" y\n", "D:2: match: unexpected text after the match");
	rule_error("[a]\nmatch = line \"x\" 3\n", "D:2: match: line's number difference must be +N or -N");
	rule_error("[a]\nmatch = sometimes\n", "D:2: match: match must be");
	rule_error("[a]\nmatch = stdout-max lots\n", "D:2: match: stdout-max needs a number of bytes");
	rule_error("[a]\nwhy = x\n", "D:2: why: unknown key");
	rule_error("[a]\ncause = x\ncause = y\n", "D:3: cause: duplicate key");
	rule_error("[a]\nmin = 0\n", "D:2: min: min must be a whole number >= 1");
	rule_error("[a]\nexpect = maybe\n", "D:2: expect: expect must be 'success' or 'error'");
	rule_error("[a]\nsymptom =\n", "D:2: symptom: empty value");
	rule_error("[a\n", "D:1: expected `[name]`");
	rule_error("[a]\njust text\n", "D:2: expected `key = value`");
	/* the first rule is checked when the second starts */
	rule_error("[a]\nmatch = case-only\n[b]\n", "D:3: rule [a]: missing required key 'symptom'");
}
END_TEST

TEST(no_rules_file_is_no_rules)
{
	struct diag_rules d = { .n = 7 };
	ck_assert_int_eq(diag_load("/nonexistent/labs/x/diagnoses", &d, err, sizeof err), 0);
	ck_assert_int_eq(d.n, 0);
}
END_TEST

/* ---- matching ------------------------------------------------------------ */

static struct scenario scs[5] = {
	{ .name = "alias", .title = "Alias", .points = 1 },
	{ .name = "hello", .title = "Hello", .title_zh = "你好", .points = 1 },
	{ .name = "dirty", .title = "Dirty", .points = 1 },
	{ .name = "secret", .title = "Secret", .points = 1, .hidden = 1 },
	{ .name = "rom", .title = "ROM", .points = 1 },
};

/* r: scenario i ran, expected exp (exit 0), printed out, said errtext, ended with status. */
static void result(struct sc_result *r, int i, const char *exp, const char *out, int status, const char *errtext)
{
	memset(r, 0, sizeof *r);
	r->sc = &scs[i];
	r->ran = 1;
	r->backend = BACKEND_EMU;
	r->exp = (struct expectation){ .ok = 1, .cls = EXIT_SUCCESS_CLASS, .out = (char *)exp, .out_len = strlen(exp) };
	r->run = (struct run_outcome){ .end = END_EXITED, .code = status, .timeout_s = 2, .out_cap = 65536 };
	r->run.out = (char *)out;
	r->run.out_len = strlen(out);
	r->run.err = (char *)errtext;
	r->run.err_len = strlen(errtext);
	judge(&r->exp, &r->run, &r->v);
	r->score = r->v.pass;
}

static struct diag_rules rules(void)
{
	struct diag_rules d;
	ck_assert_msg(diag_parse("D", RULES, &d, err, sizeof err) == 0, "%s", err);
	return d;
}

TEST(symptoms)
{
	struct diag_rules d = rules();
	struct sc_result r;
	result(&r, 0, "hi\n", "", 1, "sample-qemu: KVM_EXIT_SHUTDOWN: the guest triple-faulted\n");
	ck_assert(diag_matches(&d.r[0], &r) && !diag_matches(&d.r[1], &r) && !diag_matches(&d.r[2], &r));
	ck_assert(diag_matches(&d.r[3], &r));   /* printed nothing */
	result(&r, 0, "hi\n", "hi\n", 0, "KVM_EXIT_SHUTDOWN");   /* passed: never a diagnosis */
	ck_assert(r.v.pass && !diag_matches(&d.r[0], &r));

	result(&r, 2, "x\ndirty pages: 1\nKVM_EXIT_HLT\n", "x\ndirty pages: 4\nKVM_EXIT_HLT\n", 0, "");
	ck_assert(diag_matches(&d.r[1], &r) && !diag_matches(&d.r[0], &r) && !diag_matches(&d.r[2], &r));
	result(&r, 2, "x\ndirty pages: 1\nKVM_EXIT_HLT\n", "x\ndirty pages: 2\nKVM_EXIT_HLT\n", 0, "");
	ck_assert_msg(!diag_matches(&d.r[1], &r), "+1 is not +3");
	result(&r, 2, "x\ndirty pages: 1\n", "y\ndirty pages: 4\n", 0, "");
	ck_assert_msg(!diag_matches(&d.r[1], &r), "another line differs too");
	result(&r, 2, "dirty pages: 1\n", "dirty pages: 4\nmore\n", 0, "");
	ck_assert_msg(!diag_matches(&d.r[1], &r), "an extra line");
	result(&r, 2, "dirty pages: 1\n", "dirty pages: 4x\n", 0, "");
	ck_assert_msg(!diag_matches(&d.r[1], &r), "not a number");

	result(&r, 1, "hello, world!\n", "Hello, World!\n", 0, "");
	ck_assert(diag_matches(&d.r[2], &r) && !diag_matches(&d.r[1], &r));
	result(&r, 1, "hello, world!\n", "Hello, World?\n", 0, "");
	ck_assert(!diag_matches(&d.r[2], &r));
	result(&r, 1, "hello\n", "hello\n\n", 0, "");
	ck_assert(!diag_matches(&d.r[2], &r));

	/* expect = success: not for a scenario that expects an error */
	result(&r, 2, "dirty pages: 1\n", "dirty pages: 4\n", 0, "");
	r.exp.cls = EXIT_ERROR_CLASS;
	judge(&r.exp, &r.run, &r.v);
	ck_assert(!r.v.pass && !diag_matches(&d.r[1], &r));
	diag_rules_free(&d);
}
END_TEST

TEST(exit_error_and_stdout)
{
	struct diag_rules d;
	ck_assert_msg(diag_parse("D", "[e]\nmatch = exit-error\nsymptom = s\ncause = c\n"
				      "[o]\nmatch = stdout \"dirty pages: 0\\n\"\nsymptom = s\ncause = c\n",
				 &d, err, sizeof err) == 0, "%s", err);
	struct sc_result r;
	result(&r, 0, "hi\n", "h", 1, "refused\n");
	ck_assert(diag_matches(&d.r[0], &r));
	result(&r, 0, "hi\n", "h", 1, "");   /* status 1 but silent: not an error exit */
	ck_assert(!diag_matches(&d.r[0], &r));
	result(&r, 0, "hi\n", "dirty pages: 0\n", 0, "");
	ck_assert(diag_matches(&d.r[1], &r) && !diag_matches(&d.r[0], &r));
	result(&r, 0, "hi\n", "dirty pages: 0\nx", 0, "");
	ck_assert(!diag_matches(&d.r[1], &r));
	diag_rules_free(&d);
}
END_TEST

/* ---- applying and rendering ---------------------------------------------- */

/* Five results: alias, hello and secret triple-faulted; dirty 3 too many; rom passed. */
static void grading(struct grading *g, struct sc_result *res)
{
	memset(g, 0, sizeof *g);
	result(&res[0], 0, "alias\n", "", 1, "KVM_EXIT_SHUTDOWN\n");
	result(&res[1], 1, "hello\n", "", 1, "KVM_EXIT_SHUTDOWN\n");
	result(&res[2], 2, "dirty pages: 0\n", "dirty pages: 3\n", 0, "");
	result(&res[3], 3, "secret\n", "", 1, "KVM_EXIT_SHUTDOWN\n");
	result(&res[4], 4, "rom\n", "rom\n", 0, "");
	g->submission = "s.c";
	g->lab = g->lab_dir = "mem_lab";
	g->program = "sample-qemu";
	g->res = res;
	g->n = 5;
	g->score = 1;
	g->max = 5;
	g->build.ok = 1;
}

TEST(teaching_order)
{
	struct sc_result res[5];
	struct grading g;
	grading(&g, res);
	int *o = diag_order("hello  rom\tnot_a_scenario alias hello", res, 5);
	int want[5] = { 1, 4, 0, 2, 3 };   /* named first, in that order; the rest as they were */
	for (int i = 0; i < 5; i++)
		ck_assert_msg(o[i] == want[i], "order[%d] = %d, want %d", i, o[i], want[i]);
	free(o);
	o = diag_order(NULL, res, 5);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(o[i], i);
	free(o);
}
END_TEST

TEST(apply_and_render)
{
	struct diag_rules d = rules();
	struct sc_result res[5];
	struct grading g;
	grading(&g, res);
	g.order = diag_order("hello rom dirty alias secret", res, 5);
	diag_apply(&d, &g);
	ck_assert_int_eq(g.ndiag, 2);
	ck_assert_str_eq(g.diag[0].rule->name, "shutdown");
	ck_assert_int_eq(g.diag[0].n, 3);
	ck_assert_int_eq(g.diag[0].first, 1);   /* hello: first in teaching order */
	ck_assert_str_eq(g.diag[1].rule->name, "dirty");   /* min = 1 */
	ck_assert(res[0].diag == 1 && res[1].diag == 1 && res[3].diag == 1 && res[2].diag == 2 && !res[4].diag);

	struct buf b = {0};
	report_text_for(&b, &g, FOR_STUDENT);
	const char *t = buf_str(&b);
	/* 3 hits, one hidden: a student's count is of the public ones (a symptom is more than a cause code) */
	ck_assert_msg(strstr(t, "diagnosis: the guest triple-faulted, in 2 of 5 scenarios (first in `hello`)\n"
				"  likely cause: page tables # not a comment here\n  read: handout, FAQ\n"), "%s", t);
	ck_assert_msg(strstr(t, "diagnosis: 3 too many, in 1 of 5 scenarios (first in `dirty`)\n  likely cause: A and D\n"), "%s", t);
	ck_assert_msg(count(t, "the guest triple-faulted") == 1 + 2, "said once, then pointed to by each public one:\n%s", t);
	ck_assert_msg(!strstr(t, "your program ended the wrong way"), "no second summary of the same failures:\n%s", t);
	ck_assert_msg(!strstr(t, "stderr:"), "a covered failure keeps its details short:\n%s", t);
	ck_assert_msg(strstr(t, "expected: \"dirty pages: 0\\n\""), "a stdout symptom shows where:\n%s", t);
	/* the lines in teaching order */
	const char *h = strstr(t, "hello "), *r = strstr(t, "rom "), *a = strstr(t, "alias ");
	ck_assert_msg(h && r && a && h < r && r < a, "not in teaching order:\n%s", t);

	/* Chinese: the rule's -zh text when written, the English one otherwise; title-zh */
	b.len = 0;
	lang_set(LANG_ZH);
	report_text_for(&b, &g, FOR_STUDENT);
	lang_set(LANG_EN);
	t = buf_str(&b);
	ck_assert_msg(strstr(t, "诊断：三重错误，2/5 个测例（第一个是 `hello`）\n  可能的原因：page tables"), "%s", t);
	ck_assert_msg(strstr(t, "hello            你好"), "title-zh:\n%s", t);

	/* the results files' top-level output says it too (Gradescope shows it to everyone) */
	b.len = 0;
	ck_assert_int_eq(results_render(&b, "gradescope", &g), 0);
	ck_assert_msg(strstr(buf_str(&b), "diagnosis: the guest triple-faulted, in 2 of 5 scenarios"), "%s", buf_str(&b));
	ck_assert_msg(strstr(buf_str(&b), "\"name\": \"hello: Hello\""), "%s", buf_str(&b));
	b.len = 0;
	report_text_for(&b, &g, FOR_TA);   /* the TA's count has the hidden one */
	ck_assert_msg(strstr(buf_str(&b), "diagnosis: the guest triple-faulted, in 3 of 5 scenarios"), "%s", buf_str(&b));

	/* a hidden scenario is never named first */
	free(g.order);
	g.order = diag_order("secret alias hello", res, 5);
	for (int i = 0; i < 5; i++)
		res[i].diag = 0;
	free(g.diag);
	diag_apply(&d, &g);
	b.len = 0;
	report_text_for(&b, &g, FOR_STUDENT);
	ck_assert_msg(strstr(buf_str(&b), "in 2 of 5 scenarios (first in `alias`)"), "%s", buf_str(&b));
	buf_free(&b);
	free(g.order);
	free(g.diag);
	diag_rules_free(&d);
}
END_TEST

TEST(min_not_reached_leaves_the_next_rule)
{
	struct diag_rules d;
	ck_assert_msg(diag_parse("D", "[one]\nmatch = stderr \"SHUTDOWN\"\nmin = 4\nsymptom = s1\ncause = c1\n"
				      "[two]\nmatch = stdout-max 0\nsymptom = s2\ncause = c2\n", &d, err, sizeof err) == 0,
		      "%s", err);
	struct sc_result res[5];
	struct grading g;
	grading(&g, res);
	diag_apply(&d, &g);
	ck_assert_int_eq(g.ndiag, 1);
	ck_assert_str_eq(g.diag[0].rule->name, "two");
	ck_assert_int_eq(g.diag[0].n, 3);
	free(g.diag);
	diag_rules_free(&d);
}
END_TEST

/* ---- the scenario keys ----------------------------------------------------- */

TEST(title_zh_and_hint_on)
{
	struct scenario sc;
	memset(&sc, 0, sizeof sc);
	const char *text = "; title: t\n; title-zh: 标题\n; points: 1\n; hint: h\n; hint-on: exit\nbits 16\n";
	ck_assert_msg(scenario_parse("x.asm", text, &sc, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(sc.title_zh, "标题");
	ck_assert_int_eq(sc.hint_on, HINT_ON_EXIT);
	scenario_free(&sc);
	memset(&sc, 0, sizeof sc);
	ck_assert_int_eq(scenario_parse("x.asm", "; title: t\n; points: 1\n; hint: h\n; hint-on: sometimes\n", &sc, err,
					sizeof err), -1);
	ck_assert_msg(strstr(err, "x.asm:4: hint-on: hint-on must be 'any', 'exit' or 'output'"), "%s", err);
	scenario_free(&sc);
	memset(&sc, 0, sizeof sc);
	ck_assert_int_eq(scenario_parse("x.asm", "; title: t\n; points: 1\n; hint-on: exit\n", &sc, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "x.asm:3: hint-on requires 'hint'"), "%s", err);
	scenario_free(&sc);
}
END_TEST

/* in_dir's case: a hint about the ending is not shown when only stdout was wrong. */
TEST(hint_only_for_the_part_got_wrong)
{
	struct scenario sc = { .name = "in_dir", .title = "IN", .points = 1, .hint = "see run->io.direction",
			       .hint_on = HINT_ON_EXIT };
	struct sc_result r;
	result(&r, 0, "now\n", "NOW\n", 1, "unsupported\n");
	r.sc = &sc;
	r.exp.cls = EXIT_ERROR_CLASS;
	judge(&r.exp, &r.run, &r.v);
	ck_assert_int_eq(r.v.code, CAUSE_WRONG_OUTPUT);
	struct grading g;
	memset(&g, 0, sizeof g);
	g.res = &r;
	g.n = 1;
	struct buf b = {0};
	report_detail(&b, &g, &r, "", FOR_STUDENT);
	ck_assert_msg(!strstr(buf_str(&b), "hint:"), "the ending was right:\n%s", buf_str(&b));
	r.run.code = 0;   /* now it printed and went on: the ending is wrong */
	judge(&r.exp, &r.run, &r.v);
	b.len = 0;
	report_detail(&b, &g, &r, "", FOR_STUDENT);
	ck_assert_msg(strstr(buf_str(&b), "hint: see run->io.direction"), "%s", buf_str(&b));
	sc.hint_on = HINT_ON_OUTPUT;
	b.len = 0;
	report_detail(&b, &g, &r, "", FOR_STUDENT);   /* wrong exit and wrong output: output's hint too */
	ck_assert_msg(strstr(buf_str(&b), "hint:"), "%s", buf_str(&b));
	r.run.out = "now\n";
	judge(&r.exp, &r.run, &r.v);
	b.len = 0;
	report_detail(&b, &g, &r, "", FOR_STUDENT);
	ck_assert_msg(!strstr(buf_str(&b), "hint:"), "stdout was right:\n%s", buf_str(&b));
	buf_free(&b);
}
END_TEST

TEST(lab_order_key)
{
	struct lab lab;
	ck_assert_msg(lab_parse("lab.conf", "source = a.c\norder = hello  upper\n", &lab, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(lab.order, "hello  upper");
	lab_free(&lab);
	ck_assert_int_eq(lab_parse("lab.conf", "source = a.c\n", &lab, err, sizeof err), 0);
	ck_assert_ptr_null(lab.order);
	lab_free(&lab);
}
END_TEST
