/* test_feedback.c — what a report tells a student: cause
 * codes, a cause said once, the reproduce command, the warnings section and
 * its penalty, the language, the VMM's name in the box. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_decl.h"
#include "build.h"
#include "diagnose.h"
#include "lab.h"
#include "lang.h"
#include "report.h"
#include "run.h"
#include "verdict.h"

CHECK_SUITE("feedback", "feedback", NULL, NULL, 0);

/* Empties b for the next rendering (buf_str relies on the NUL after len). */
static void reset(struct buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

static struct run_outcome outcome(enum end_kind end, int code, const char *out, const char *err)
{
	struct run_outcome o = { .end = end, .code = code, .timeout_s = 2, .out_cap = 65536 };
	o.out = (char *)out;
	o.out_len = strlen(out);
	o.err = (char *)err;
	o.err_len = strlen(err);
	return o;
}

static enum cause code_of(enum exit_class cls, struct run_outcome o)
{
	struct expectation e = { .ok = 1, .cls = cls, .out = "hi\n", .out_len = 3 };
	struct verdict v;
	judge(&e, &o, &v);
	ck_assert_msg(v.pass == (v.code == CAUSE_PASSED), "pass %d but code %s", v.pass, cause_name(v.code));
	return v.code;
}

#define ck_cause(got, want) \
	ck_assert_msg((got) == (want), "expected cause %s, got %s", cause_name(want), cause_name(got))

TEST(cause_codes)
{
	ck_cause(code_of(EXIT_SUCCESS_CLASS, outcome(END_EXITED, 0, "hi\n", "")), CAUSE_PASSED);
	ck_cause(code_of(EXIT_SUCCESS_CLASS, outcome(END_EXITED, 0, "HI\n", "")), CAUSE_WRONG_OUTPUT);
	ck_cause(code_of(EXIT_ERROR_CLASS, outcome(END_EXITED, 0, "hi\n", "")), CAUSE_WRONG_EXIT);
	/* the wrong exit class wins over the wrong output: it is the bigger mistake */
	ck_cause(code_of(EXIT_ERROR_CLASS, outcome(END_EXITED, 0, "hix", "")), CAUSE_WRONG_EXIT);
	ck_cause(code_of(EXIT_ERROR_CLASS, outcome(END_EXITED, 1, "hi\n", "")), CAUSE_NO_MESSAGE);
	ck_cause(code_of(EXIT_SUCCESS_CLASS, outcome(END_EXITED, 1, "hi\n", "")), CAUSE_WRONG_EXIT);
	ck_cause(code_of(EXIT_ERROR_CLASS, outcome(END_EXITED, 126, "hi\n", "m")), CAUSE_WRONG_EXIT);
	ck_cause(code_of(EXIT_SUCCESS_CLASS, outcome(END_SIGNALED, SIGSEGV, "hi\n", "")), CAUSE_SIGNAL);
	ck_cause(code_of(EXIT_SUCCESS_CLASS, outcome(END_TIMEOUT, 0, "", "")), CAUSE_TIMEOUT);
	ck_cause(code_of(EXIT_SUCCESS_CLASS, outcome(END_FLOOD, 0, "", "")), CAUSE_OUTPUT_FLOOD);
	struct expectation e = { .ok = 1, .cls = EXIT_SUCCESS_CLASS, .out = "", .out_len = 0 };
	struct run_outcome o = outcome(END_SANDBOX, 0, "", "");
	struct verdict v;
	judge(&e, &o, &v);
	ck_cause(v.code, CAUSE_SANDBOX);
	ck_assert(v.grader_error);
	judge_not_run(&v, CAUSE_BUILD_FAILED, "did not compile");
	ck_assert(!v.grader_error && !v.pass && !strcmp(v.cause, "did not compile"));
	judge_not_run(&v, CAUSE_GRADER_ERROR, "no expectation");
	ck_assert(v.grader_error);
}
END_TEST

TEST(cause_names_round_trip)
{
	for (int c = 0; c < CAUSE_COUNT; c++) {
		enum cause back;
		const char *name = cause_name((enum cause)c);
		ck_assert_msg(name && *name && strcmp(name, "unknown"), "cause %d has no name", c);
		ck_assert_msg(cause_parse(name, &back) == 0 && back == (enum cause)c, "%s does not parse back", name);
		for (const char *p = name; *p; p++)   /* one CSV token, no quoting needed */
			ck_assert_msg(strchr("abcdefghijklmnopqrstuvwxyz-", *p), "'%s' has '%c'", name, *p);
	}
	enum cause c;
	ck_assert_int_eq(cause_parse("segfault", &c), -1);
	ck_assert_str_eq(cause_name(CAUSE_WRONG_EXIT), "wrong-exit");
	ck_assert_str_eq(cause_name(CAUSE_OUTPUT_FLOOD), "output-flood");
}
END_TEST

TEST(language_selection)
{
	ck_assert_int_eq(lang_select(NULL, NULL, NULL, NULL), LANG_EN);
	ck_assert_int_eq(lang_select(NULL, NULL, NULL, "zh_CN.UTF-8"), LANG_ZH);
	ck_assert_int_eq(lang_select(NULL, NULL, NULL, "zh"), LANG_ZH);
	ck_assert_int_eq(lang_select(NULL, NULL, NULL, "zh_TW"), LANG_ZH);
	ck_assert_int_eq(lang_select(NULL, NULL, NULL, "zhx"), LANG_EN);
	ck_assert_int_eq(lang_select(NULL, NULL, NULL, "C.UTF-8"), LANG_EN);
	/* POSIX's order: LC_ALL, then LC_MESSAGES, then LANG; empty counts as unset */
	ck_assert_int_eq(lang_select(NULL, "C", NULL, "zh_CN.UTF-8"), LANG_EN);
	ck_assert_int_eq(lang_select(NULL, "", "zh_CN.UTF-8", "en_US.UTF-8"), LANG_ZH);
	ck_assert_int_eq(lang_select(NULL, NULL, "en_GB", "zh_CN"), LANG_EN);
	/* --lang wins */
	ck_assert_int_eq(lang_select("en", "zh_CN.UTF-8", NULL, NULL), LANG_EN);
	ck_assert_int_eq(lang_select("zh", NULL, NULL, "C"), LANG_ZH);
	enum lang l;
	ck_assert_int_eq(lang_parse("fr", &l), -1);
	ck_assert_int_eq(lang_parse("zh", &l), 0);
	ck_assert_int_eq(l, LANG_ZH);
}
END_TEST

TEST(phrases_follow_the_language)
{
	struct expectation e = { .ok = 1, .cls = EXIT_SUCCESS_CLASS, .out = "hi\n", .out_len = 3 };
	struct run_outcome o = outcome(END_SIGNALED, SIGSEGV, "", "");
	struct verdict v;
	lang_set(LANG_ZH);
	judge(&e, &o, &v);
	lang_set(LANG_EN);
	ck_assert_msg(strstr(v.cause, "SIGSEGV") && strstr(v.cause, "终止"), "zh cause: '%s'", v.cause);
	judge(&e, &o, &v);
	ck_assert_str_eq(v.cause, "killed by SIGSEGV");
}
END_TEST

static char *knobs[] = { "KVMEMU_STRING_BATCH=1", NULL };

TEST(reproduce_commands)
{
	struct scenario plain = { .name = "hello" }, emu = { .name = "string_batch", .emu_only = 1, .emu_env = knobs },
			rnd = { .name = "random", .random = 1 };
	struct buf b = {0};
	reproduce_command(&b, "sample-qemu", "cpu_lab", &plain, BACKEND_KVM, 7, 1);
	ck_assert_str_eq(buf_str(&b), "make -s sample-qemu guests/hello.bin && ./sample-qemu guests/hello.bin");
	reset(&b);
	reproduce_command(&b, "sample-qemu", "cpu_lab", &plain, BACKEND_EMU, 7, 1);
	ck_assert_str_eq(buf_str(&b), "make -s sample-qemu guests/hello.bin && ./kvm-emu ./sample-qemu guests/hello.bin");
	reset(&b);
	reproduce_command(&b, "sample-qemu", "cpu_lab", &emu, BACKEND_EMU, 7, 1);
	ck_assert_str_eq(buf_str(&b), "make -s sample-qemu guests/string_batch.bin && "
				      "KVMEMU_STRING_BATCH=1 ./kvm-emu ./sample-qemu guests/string_batch.bin");
	reset(&b);
	reproduce_command(&b, "sample-qemu", "cpu_lab", &rnd, BACKEND_EMU, 77, 1);
	ck_assert_str_eq(buf_str(&b), "make -s sample-qemu && mkdir -p guests && nasm -f bin -I kit/guests/cpu_lab/ "
				      "-DSEED=77 -o guests/random-seed77.bin kit/guests/cpu_lab/random.asm && "
				      "./kvm-emu ./sample-qemu guests/random-seed77.bin");
	reset(&b);   /* without the seed (a student's view): the tarball's own image */
	reproduce_command(&b, "sample-qemu", "cpu_lab", &rnd, BACKEND_EMU, 77, 0);
	ck_assert_str_eq(buf_str(&b), "make -s sample-qemu guests/random.bin && ./kvm-emu ./sample-qemu guests/random.bin");
	buf_free(&b);
}
END_TEST

static struct scenario scs[4] = {
	{ .name = "hello", .title = "Hello", .points = 1 }, { .name = "mixed", .title = "Mixed", .points = 1 },
	{ .name = "upper", .title = "Upper", .points = 1 }, { .name = "secret", .title = "Secret", .points = 1, .hidden = 1 },
};

/* Four scenarios: three crashed with SIGSEGV (the last hidden), one passed. */
static void crashed(struct grading *g, struct sc_result *res)
{
	memset(g, 0, sizeof *g);
	memset(res, 0, 4 * sizeof *res);
	for (int i = 0; i < 4; i++) {
		res[i].sc = &scs[i];
		res[i].ran = 1;
		res[i].backend = BACKEND_EMU;
		res[i].exp = (struct expectation){ .ok = 1, .cls = EXIT_SUCCESS_CLASS, .out = "SECRET-EXPECTED", .out_len = 15 };
		res[i].run = outcome(i == 2 ? END_EXITED : END_SIGNALED, i == 2 ? 0 : SIGSEGV, i == 2 ? "SECRET-EXPECTED" : "", "");
		judge(&res[i].exp, &res[i].run, &res[i].v);
		res[i].score = res[i].v.pass;
	}
	g->submission = "alice/sample-qemu.c";
	g->lab = g->lab_dir = "cpu_lab";
	g->program = "sample-qemu";
	g->layer = "bubblewrap";
	g->backend_desc = "auto: emu (/dev/kvm: No such file or directory)";
	g->has_random = 1;
	g->seed = 4242;
	g->res = res;
	g->n = 4;
	g->score = 1;
	g->max = 4;
	g->build.ok = 1;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

TEST(repeated_crash_said_once)
{
	struct grading g;
	struct sc_result res[4];
	crashed(&g, res);
	struct buf b = {0};
	ck_assert_int_eq(report_repeated(&b, &g, FOR_TA), 1);
	ck_assert_str_eq(buf_str(&b), "your program crashed with SIGSEGV in 3 of 4 scenarios; first in `hello`\n");
	ck_assert(!report_is_repeat(&g, &res[0], FOR_TA) && report_is_repeat(&g, &res[1], FOR_TA) &&
		  report_is_repeat(&g, &res[3], FOR_TA));
	reset(&b);
	report_text(&b, &g);
	const char *t = buf_str(&b);
	ck_assert_msg(count(t, "crashed with SIGSEGV") == 1, "said more than once:\n%s", t);
	ck_assert_msg(count(t, "ended: killed by SIGSEGV") == 1, "details repeated:\n%s", t);
	ck_assert_msg(count(t, "killed by SIGSEGV\n") == 3, "each failing line keeps its cause:\n%s", t);
	/* a public failure gets its command, a hidden one never */
	ck_assert_msg(strstr(t, "./kvm-emu ./sample-qemu guests/mixed.bin") && !strstr(t, "guests/secret"), "%s", t);
	ck_assert_msg(strstr(t, "seed: 4242") && strstr(t, "/dev/kvm"), "the TA's report has the internals:\n%s", t);
	buf_free(&b);
}
END_TEST

TEST(different_signals_are_different_causes)
{
	struct grading g;
	struct sc_result res[4];
	crashed(&g, res);
	res[1].run.code = SIGABRT;
	judge(&res[1].exp, &res[1].run, &res[1].v);
	struct buf b = {0};
	ck_assert_int_eq(report_repeated(&b, &g, FOR_TA), 1);
	ck_assert_str_eq(buf_str(&b), "your program crashed with SIGSEGV in 2 of 4 scenarios; first in `hello`\n");
	ck_assert(!report_is_repeat(&g, &res[1], FOR_TA));
	res[3].run.code = SIGBUS;
	judge(&res[3].exp, &res[3].run, &res[3].v);
	reset(&b);
	ck_assert_int_eq(report_repeated(&b, &g, FOR_TA), 0);   /* no cause lost two */
	ck_assert_str_eq(buf_str(&b), "");
	buf_free(&b);
}
END_TEST

/*
 * What a student sees of a hidden scenario is its name, points, pass/fail and
 * cause code: the lines said once at the top (repeated causes, diagnoses)
 * must not carry its signal or its symptom, by name or by a count.
 */
TEST(summary_lines_keep_hidden_details_hidden)
{
	struct grading g;
	struct sc_result res[4];
	crashed(&g, res);   /* hello, mixed: SIGSEGV; secret (hidden): SIGSEGV */
	res[1].run.code = SIGABRT;   /* only the hidden one shares hello's signal */
	judge(&res[1].exp, &res[1].run, &res[1].v);
	struct buf b = {0};
	report_text_for(&b, &g, FOR_STUDENT);
	const char *t = buf_str(&b);
	ck_assert_msg(!strstr(t, "in 2 of 4 scenarios"), "a count that tells the hidden one's signal:\n%s", t);
	ck_assert_msg(strstr(t, "FAIL  0/1  secret"), "its line:\n%s", t);
	reset(&b);
	report_text_for(&b, &g, FOR_TA);   /* the TA sees it all */
	ck_assert_msg(strstr(buf_str(&b), "crashed with SIGSEGV in 2 of 4 scenarios"), "%s", buf_str(&b));
	/* a diagnosis whose only hit is hidden: not shown to the student */
	crashed(&g, res);
	struct diag_rule rule = { .name = "r", .symptom = "SYMPTOM-OF-THE-HIDDEN-ONE", .cause = "CAUSE-X" };
	struct diag_hit hit = { .rule = &rule, .n = 1, .first = 3 };
	res[3].diag = 1;
	g.diag = &hit;
	g.ndiag = 1;
	reset(&b);
	report_text_for(&b, &g, FOR_STUDENT);
	t = buf_str(&b);
	ck_assert_msg(!strstr(t, "SYMPTOM-OF-THE-HIDDEN-ONE") && !strstr(t, "CAUSE-X"), "hidden symptom:\n%s", t);
	reset(&b);
	/* with public hits too, the student's count is of the public ones */
	res[0].diag = 1;
	hit.n = 2;
	hit.first = 0;
	report_text_for(&b, &g, FOR_STUDENT);
	t = buf_str(&b);
	ck_assert_msg(strstr(t, "diagnosis: SYMPTOM-OF-THE-HIDDEN-ONE, in 1 of 4 scenarios"), "%s", t);
	buf_free(&b);
}
END_TEST

TEST(student_report_is_safe)
{
	struct grading g;
	struct sc_result res[4];
	crashed(&g, res);
	res[2].v.grader_error = 1;   /* a grader error's why is internal */
	res[2].v.pass = 0;
	res[2].v.code = CAUSE_SANDBOX;
	snprintf(res[2].v.cause, sizeof res[2].v.cause, "sandbox failure: bwrap: setting up uid map");
	g.grader_errors = 1;
	struct buf b = {0};
	report_text_for(&b, &g, FOR_STUDENT);
	const char *t = buf_str(&b);
	ck_assert_msg(strstr(t, "secret") && strstr(t, "Secret"), "the hidden scenario's line is there:\n%s", t);
	const char *never[] = { "4242", "seed", "bwrap", "bubblewrap", "/dev/kvm", "sandbox", "[emu" };
	for (size_t i = 0; i < sizeof never / sizeof *never; i++)
		ck_assert_msg(!strstr(t, never[i]), "'%s' in the student's report:\n%s", never[i], t);
	/* the hidden scenario: its line, no details (its expected text never) */
	const char *secret = strstr(t, "FAIL  0/1  secret");
	ck_assert_msg(secret, "%s", t);
	ck_assert_msg(!strstr(secret, "SECRET-EXPECTED") && !strstr(secret, "guests/secret"), "hidden details:\n%s", t);
	ck_assert_msg(strstr(t, "Score: 1/4\n"), "%s", t);
	buf_free(&b);
}
END_TEST

TEST(warnings_counted_and_shown)
{
	const char *diag = "sample-qemu.c: In function 'main':\n"
			   "sample-qemu.c:253:37: warning: unused variable 'x' [-Wunused-variable]\n"
			   "  253 |   int x = 3;\n"
			   "sample-qemu.c:260:25: warning: this statement may fall through [-Wimplicit-fallthrough=]\n"
			   "sample-qemu.c:261:17: note: here\n";
	ck_assert_int_eq(build_count_warnings(diag), 2);
	ck_assert_int_eq(build_count_warnings(""), 0);
	ck_assert_int_eq(build_count_warnings("x.c:1:1: error: expected ';'\n"), 0);
	struct grading g;
	struct sc_result res[4];
	crashed(&g, res);
	g.build.warnings = 2;
	g.build.excerpt = (char *)diag;
	g.penalty = 1;
	struct buf b = {0};
	report_warnings(&b, &g, "");
	const char *t = buf_str(&b);
	ck_assert_msg(strstr(t, "compiler warnings (2;") && strstr(t, "  | sample-qemu.c:253:37: warning: unused variable")
		      && strstr(t, "fall through") && strstr(t, "warning penalty: -1 point(s), once"), "%s", t);
	g.build.warnings = 0;
	reset(&b);
	report_warnings(&b, &g, "");
	ck_assert_str_eq(buf_str(&b), "");
	buf_free(&b);
}
END_TEST

TEST(lab_warning_penalty)
{
	struct lab lab;
	char err[200];
	ck_assert_int_eq(lab_parse("lab.conf", "source = a.c\n", &lab, err, sizeof err), 0);
	ck_assert_int_eq(lab.warning_penalty, 0);
	lab_free(&lab);
	ck_assert_int_eq(lab_parse("lab.conf", "source = a.c\nwarning_penalty = 2\n", &lab, err, sizeof err), 0);
	ck_assert_int_eq(lab.warning_penalty, 2);
	lab_free(&lab);
	ck_assert_int_eq(lab_parse("lab.conf", "source = a.c\nwarning_penalty = -1\n", &lab, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "lab.conf:2") && strstr(err, "warning_penalty"), "%s", err);
}
END_TEST

TEST(program_name_in_the_box)
{
	char n[64];
	run_program_name("sample-qemu.c", n, sizeof n);
	ck_assert_str_eq(n, "sample-qemu");
	run_program_name("vmm.c", n, sizeof n);
	ck_assert_str_eq(n, "vmm");
	run_program_name("mem-lab", n, sizeof n);
	ck_assert_str_eq(n, "mem-lab");
	run_program_name(".c", n, sizeof n);
	ck_assert_str_eq(n, "vmm");
	run_program_name("guest.bin.c", n, sizeof n);   /* would collide with the image */
	ck_assert_str_eq(n, "vmm");
}
END_TEST

TEST(hint_zh)
{
	struct scenario sc;
	char err[300];
	const char *text = "; title: t\n; points: 1\n; hint: look at run->io.port\n; hint-zh: 看看 run->io.port\nbits 16\n";
	memset(&sc, 0, sizeof sc);   /* scenario_parse's precondition */
	ck_assert_msg(scenario_parse("x.asm", text, &sc, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(sc.hint, "look at run->io.port");
	ck_assert_str_eq(sc.hint_zh, "看看 run->io.port");
	scenario_free(&sc);
	memset(&sc, 0, sizeof sc);
	ck_assert_int_eq(scenario_parse("x.asm", "; title: t\n; points: 1\n; hint-zh: 看看\nbits 16\n", &sc, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "x.asm:3") && strstr(err, "hint-zh requires 'hint'"), "%s", err);
	scenario_free(&sc);
}
END_TEST

/* The Chinese report shows hint-zh, the English one hint. */
TEST(hint_in_the_report_language)
{
	struct grading g;
	struct sc_result res[4];
	crashed(&g, res);
	scs[0].hint = "look at the port";
	scs[0].hint_zh = "看看端口";
	struct buf b = {0};
	report_detail(&b, &g, &res[0], "", FOR_STUDENT);
	ck_assert_msg(strstr(buf_str(&b), "hint: look at the port\n") && !strstr(buf_str(&b), "看看"), "%s", buf_str(&b));
	reset(&b);
	lang_set(LANG_ZH);
	report_detail(&b, &g, &res[0], "", FOR_STUDENT);
	lang_set(LANG_EN);
	ck_assert_msg(strstr(buf_str(&b), "提示：看看端口\n") && !strstr(buf_str(&b), "look at"), "%s", buf_str(&b));
	scs[0].hint = scs[0].hint_zh = NULL;
	buf_free(&b);
}
END_TEST
