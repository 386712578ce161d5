/* text.c — the text report: one line per scenario, details for failures
 * (report.h). The TA's report has everything; the student-safe one
 * (FOR_STUDENT) no grader internals and no hidden scenario's details. */
#include "lang.h"
#include "report.h"
#include "intake.h"

#include <string.h>

#define STDERR_LINES 10
#define STDERR_LINE_BYTES 200

static void header(struct buf *b, const struct grading *g, enum audience who)
{
	buf_adds(b, "virtlab grade: ");
	esc_c(b, g->submission, strlen(g->submission));
	buf_addf(b, "  lab: %s\n", g->lab);
	if (who == FOR_STUDENT) {   /* no sandbox, backend probing or seed */
		if (g->public_only)
			buf_adds(b, T("(public scenarios only)\n", "（仅公开测例）\n"));
		return;
	}
	buf_addf(b, "sandbox: %s  backend: %s", g->layer, g->backend_desc);
	if (g->has_random)
		buf_addf(b, "  seed: %lu", g->seed);
	if (g->public_only)
		buf_adds(b, "  (public scenarios only)");
	buf_addc(b, '\n');
}

static void line(struct buf *b, const struct sc_result *r, enum audience who)
{
	const struct scenario *sc = r->sc;
	buf_addf(b, "%s  %d/%d  %-16s %s%s", r->v.grader_error ? "ERR " : r->v.pass ? "PASS" : "FAIL",
		 r->score, sc->points, sc->name, report_title(sc), sc->hidden ? T(" (hidden)", "（隐藏测例）") : "");
	if (who == FOR_STUDENT && !r->ran)
		buf_adds(b, T("   [not run]", "   [未运行]"));
	else if (who == FOR_STUDENT && !sc->hidden)   /* a hidden run's time is the VMM's to choose: */
		buf_addf(b, "   [%.0f ms]", r->run.wall_s * 1000);   /* a channel out of its image */
	else if (who == FOR_TA && r->ran)
		buf_addf(b, "   [%s %.0f ms]", backend_name(r->backend), r->run.wall_s * 1000);
	else if (who == FOR_TA)
		buf_addf(b, "   [%s, not run]", backend_name(r->backend));
	buf_addc(b, '\n');
}

/* At most STDERR_LINES lines of stderr, each escaped and cut. */
static void stderr_excerpt(struct buf *b, const struct run_outcome *o, const char *indent)
{
	if (o->err_len == 0) {
		buf_addf(b, T("%sstderr: (empty)\n", "%sstderr：（空）\n"), indent);
		return;
	}
	buf_addf(b, T("%sstderr:\n", "%sstderr：\n"), indent);
	const char *p = o->err, *end = o->err + o->err_len;
	int lines = 0;
	while (p < end && lines < STDERR_LINES) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		buf_addf(b, "%s  | ", indent);
		size_t k = utf8_cut(p, n, STDERR_LINE_BYTES);
		esc_text(b, p, k);
		if (k < n)
			buf_addf(b, " [... %zu more bytes]", n - k);
		buf_addc(b, '\n');
		lines++;
		p = nl ? nl + 1 : end;
	}
	if (p < end || o->err_truncated)
		buf_addf(b, T("%s  | ... (more stderr not shown)\n", "%s  | ……（其余 stderr 未显示）\n"), indent);
}

static void reproduce(struct buf *b, const struct grading *g, const struct sc_result *r, const char *indent,
		      enum audience who)
{
	if (r->sc->hidden || !r->ran || r->v.grader_error || !g->program || !g->lab_dir)
		return;
	buf_addf(b, T("%sreproduce (in the student tarball): ", "%s手动重现（在学生包目录中）："), indent);
	reproduce_command(b, g->program, g->lab_dir, r->sc, r->backend, g->seed, who == FOR_TA);
	buf_addc(b, '\n');
	if (r->sc->random && who == FOR_STUDENT)
		buf_addf(b, T("%s  (a randomized scenario: the tarball's image differs from the graded run's)\n",
			      "%s  （随机测例：学生包中的镜像与评分时的不同）\n"), indent);
}

void report_hidden(struct buf *b, const struct sc_result *r, const char *indent)
{
	if (r->v.pass)
		buf_addf(b, T("%spassed (hidden scenario)\n", "%s通过（隐藏测例）\n"), indent);
	else if (r->v.grader_error)
		buf_addf(b, T("%snot graded because of a grader error (not your fault); the TAs will regrade it\n",
			      "%s评分程序出错，此测例未评分（不是你的问题）；助教会重新评分\n"), indent);
	else
		buf_addf(b, T("%sfailed (hidden scenario: no details; cause %s)\n",
			      "%s未通过（隐藏测例，不显示细节；原因代码 %s）\n"), indent, cause_name(r->v.code));
}

void report_detail(struct buf *b, const struct grading *g, const struct sc_result *r, const char *indent,
		   enum audience who)
{
	if (r->v.pass)
		return;
	if (r->v.grader_error) {
		if (who == FOR_STUDENT)   /* the why is the grader's internals: the TA's report has it */
			buf_addf(b, T("%snot graded because of a grader error (not your fault); the TAs will regrade it\n",
				      "%s评分程序出错，此测例未评分（不是你的问题）；助教会重新评分\n"), indent);
		else
			buf_addf(b, "%sGRADER ERROR (not the student's fault): %s\n", indent, r->v.cause);
		return;
	}
	buf_addf(b, "%s%s\n", indent, r->v.cause);
	if (r->diag) {   /* the lab's diagnosis at the top says why, once */
		report_diagnosed(b, g, r, indent);
		reproduce(b, g, r, indent, who);
		return;
	}
	if (report_is_repeat(g, r, who)) {   /* said once at the top */
		reproduce(b, g, r, indent, who);
		return;
	}
	if (r->ran && r->exp.ok) {
		if (r->v.diff_at != NO_DIFF)
			diff_report(b, indent, r->exp.out, r->exp.out_len, r->run.out, r->run.out_len, r->v.diff_at);
		char ended[300];
		describe_end(&r->run, ended, sizeof ended);
		buf_addf(b, T("%sended: %s (expected: %s)\n", "%s结束方式：%s（应为：%s）\n"), indent, ended,
			 expected_phrase(r->exp.cls));
		stderr_excerpt(b, &r->run, indent);
	}
	/* The author's words: hint-zh for a Chinese report when the scenario has one. */
	const char *hint = lang_get() == LANG_ZH && r->sc->hint_zh ? r->sc->hint_zh : r->sc->hint;
	if (hint && r->ran && report_hint_applies(r))
		buf_addf(b, T("%shint: %s\n", "%s提示：%s\n"), indent, hint);
	reproduce(b, g, r, indent, who);
}

void report_build_failure(struct buf *b, const struct grading *g, const char *indent, enum audience who)
{
	if (g->build.sandbox_failed) {
		buf_addf(b, "%s%s\n", indent, who == FOR_STUDENT
			 ? T("GRADER ERROR (not your fault): your submission could not be compiled; the TAs will regrade it",
			     "GRADER ERROR（不是你的问题）：评分程序无法编译你的提交；助教会重新评分")
			 : "GRADER ERROR (not the student's fault): the sandbox failed while compiling");
		if (who == FOR_STUDENT)
			return;
	} else {
		buf_addf(b, "%s%s\n", indent, T("the submission did not compile; the compiler said:",
						"the submission did not compile（编译失败）；编译器的输出："));
	}
	const char *p = g->build.excerpt ? g->build.excerpt : "";
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		buf_addf(b, "%s  | ", indent);
		/* Escaped: the diagnostics quote the student's source. */
		esc_text(b, p, n);
		buf_addc(b, '\n');
		p = nl ? nl + 1 : p + n;
	}
}

void report_rejection(struct buf *b, const struct grading *g, const char *indent)
{
	buf_addf(b, "%sthe submission was not graded: it is %s%s\n", indent, rejection_phrase(g->rejected),
		 " (submit the source file itself: a regular file of at most 1 MiB)");
}

void report_preamble(struct buf *b, const struct grading *g, enum audience who)
{
	header(b, g, who);
	if (g->rejected)
		report_rejection(b, g, "");
	else if (!g->build.ok)
		report_build_failure(b, g, "", who);
	report_warnings(b, g, "");
	report_diagnoses(b, g, who);
	report_repeated(b, g, who);
}

void report_text(struct buf *b, const struct grading *g)
{
	report_text_for(b, g, FOR_TA);
}

void report_text_for(struct buf *b, const struct grading *g, enum audience who)
{
	report_preamble(b, g, who);
	for (int k = 0; k < g->n; k++) {   /* in the lab's teaching order */
		const struct sc_result *r = &g->res[g->order ? g->order[k] : k];
		line(b, r, who);
		if (!(who == FOR_STUDENT && r->sc->hidden))   /* its line says all a student sees */
			report_detail(b, g, r, "      ", who);
	}
	if (g->grader_errors)
		buf_addf(b, who == FOR_STUDENT
			 ? T("GRADER ERROR: %d scenario(s) could not be graded (not your fault; the TAs will regrade them).\n",
			     "GRADER ERROR：%d 个测例未能评分（不是你的问题；助教会重新评分）。\n")
			 : "GRADER ERROR: %d scenario(s) could not be graded for reasons that are not the "
			   "student's fault (marked ERR above); fix the grader's environment and grade again.\n",
			 g->grader_errors);
	buf_addf(b, "Score: %d/%d%s\n", g->score, g->max, g->subset ? g->subset : "");
}
