/* report.c — the text report: one line per scenario, details for failures. */
#include "report.h"
#include "intake.h"

#include <string.h>

#define STDERR_LINES 10
#define STDERR_LINE_BYTES 200

static void header(struct buf *b, const struct grading *g)
{
	buf_adds(b, "virtlab grade: ");
	esc_c(b, g->submission, strlen(g->submission));
	buf_addf(b, "  lab: %s\n", g->lab);
	buf_addf(b, "sandbox: %s  backend: %s", g->layer, g->backend_desc);
	if (g->has_random)
		buf_addf(b, "  seed: %lu", g->seed);
	if (g->public_only)
		buf_adds(b, "  (public scenarios only)");
	buf_addc(b, '\n');
}

static void line(struct buf *b, const struct sc_result *r)
{
	const struct scenario *sc = r->sc;
	buf_addf(b, "%s  %d/%d  %-16s %s%s", r->v.grader_error ? "ERR " : r->v.pass ? "PASS" : "FAIL",
		 r->score, sc->points, sc->name, sc->title, sc->hidden ? " (hidden)" : "");
	if (r->ran)
		buf_addf(b, "   [%s %.0f ms]", backend_name(r->backend), r->run.wall_s * 1000);
	else
		buf_addf(b, "   [%s, not run]", backend_name(r->backend));
	buf_addc(b, '\n');
}

/* At most STDERR_LINES lines of stderr, each escaped and cut. */
static void stderr_excerpt(struct buf *b, const struct run_outcome *o, const char *indent)
{
	if (o->err_len == 0) {
		buf_addf(b, "%sstderr: (empty)\n", indent);
		return;
	}
	buf_addf(b, "%sstderr:\n", indent);
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
		buf_addf(b, "%s  | ... (more stderr not shown)\n", indent);
}

void report_detail(struct buf *b, const struct sc_result *r, const char *indent)
{
	if (r->v.pass)
		return;
	buf_addf(b, "%s%s%s\n", indent, r->v.grader_error ? "GRADER ERROR (not the student's fault): " : "",
		 r->v.cause);
	if (r->ran && r->exp.ok) {
		if (r->v.diff_at != NO_DIFF)
			diff_report(b, indent, r->exp.out, r->exp.out_len, r->run.out, r->run.out_len, r->v.diff_at);
		char ended[300];
		describe_end(&r->run, ended, sizeof ended);
		buf_addf(b, "%sended: %s (expected: %s)\n", indent, ended,
			 exit_class_phrase(r->exp.cls));
		stderr_excerpt(b, &r->run, indent);
	}
	if (r->sc->hint && r->ran && !r->v.grader_error)
		buf_addf(b, "%shint: %s\n", indent, r->sc->hint);
}

void report_build_failure(struct buf *b, const struct grading *g, const char *indent)
{
	buf_addf(b, "%s%s\n", indent, g->build.sandbox_failed
		 ? "GRADER ERROR (not the student's fault): the sandbox failed while compiling"
		 : "the submission did not compile; the compiler said:");
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

void report_preamble(struct buf *b, const struct grading *g)
{
	header(b, g);
	if (g->rejected)
		report_rejection(b, g, "");
	else if (!g->build.ok)
		report_build_failure(b, g, "");
}

void report_text(struct buf *b, const struct grading *g)
{
	report_preamble(b, g);
	for (int i = 0; i < g->n; i++) {
		line(b, &g->res[i]);
		report_detail(b, &g->res[i], "      ");
	}
	if (g->grader_errors)
		buf_addf(b, "GRADER ERROR: %d scenario(s) could not be graded for reasons that are not the "
			 "student's fault (marked ERR above); fix the grader's environment and grade again.\n",
			 g->grader_errors);
	buf_addf(b, "Score: %d/%d%s\n", g->score, g->max, g->subset ? g->subset : "");
}
