/* json.c — results files. Each format is one function from a grading to
 * JSON text; everything a student printed goes through esc_json(). */
#include "report.h"

#include <errno.h>
#include <string.h>

/* Shown to everyone: header, build failure or warnings, repeated causes,
 * grader errors; never a hidden scenario's details nor grader internals
 * (Gradescope always shows the top-level output). */
static void public_summary(struct buf *b, const struct grading *g)
{
	report_preamble(b, g, FOR_STUDENT);
	if (g->grader_errors)
		buf_addf(b, "GRADER ERROR: %d scenario(s) could not be graded (not the student's fault).\n",
			 g->grader_errors);
	buf_addf(b, "Score: %d/%d%s\n", g->score, g->max, g->subset ? g->subset : "");
}

static void key_str(struct buf *b, const char *key, const char *s, size_t n)
{
	buf_addf(b, "\"%s\": ", key);
	esc_json(b, s, n);
}

/* A hidden scenario's output is report_hidden()'s one line: Gradescope
 * shows after_published tests to students once grades are published. */
static void test_output(struct buf *out, const struct grading *g, const struct sc_result *r)
{
	if (r->sc->hidden) {
		report_hidden(out, r, "");
		return;
	}
	if (r->v.pass)
		buf_adds(out, "passed\n");
	report_detail(out, g, r, "", FOR_STUDENT);
}

/* What only the TA needs (Gradescope's extra_data is not shown to students):
 * the sandbox layer, the backend and its probing, the seed, and each grader
 * error's why. */
static void ta_only(struct buf *b, const struct grading *g)
{
	struct buf t = {0};
	buf_addf(&t, "sandbox: %s  backend: %s", g->layer ? g->layer : "", g->backend_desc ? g->backend_desc : "");
	if (g->has_random)
		buf_addf(&t, "  seed: %lu", g->seed);
	buf_adds(b, "{");
	key_str(b, "grader", t.p, t.len);
	buf_addf(b, ", \"warnings\": %d, \"warning_penalty\": %d, \"grader_errors\": [", g->build.warnings,
		 g->penalty);
	int k = 0;
	for (int i = 0; i < g->n; i++)
		if (g->res[i].v.grader_error) {
			buf_adds(b, k++ ? ", " : "");
			esc_json(b, g->res[i].v.cause, strlen(g->res[i].v.cause));
		}
	buf_adds(b, "]}");
	buf_free(&t);
}

static void gradescope(struct buf *b, const struct grading *g)
{
	struct buf s = {0};
	public_summary(&s, g);
	buf_addf(b, "{\n  \"score\": %d,\n  \"max_score\": %d,\n  \"execution_time\": %.0f,\n  ",
		 g->score, g->max, g->elapsed_s);
	key_str(b, "output", s.p, s.len);
	buf_adds(b, ",\n  \"extra_data\": ");
	ta_only(b, g);
	buf_adds(b, ",\n  \"tests\": [");
	for (int i = 0; i < g->n; i++) {
		const struct sc_result *r = &g->res[i];
		struct buf name = {0}, out = {0};
		buf_addf(&name, "%s: %s", r->sc->name, report_title(r->sc));
		test_output(&out, g, r);
		buf_addf(b, "%s\n    {", i ? "," : "");
		key_str(b, "name", name.p, name.len);
		buf_addf(b, ", \"number\": \"%d\", \"score\": %d, \"max_score\": %d, \"status\": \"%s\", ",
			 i + 1, r->score, r->sc->points, r->v.pass ? "passed" : "failed");
		key_str(b, "output", out.p, out.len);
		buf_addf(b, ", \"visibility\": \"%s\", \"extra_data\": {\"cause\": \"%s\"}}",
			 r->sc->hidden ? "after_published" : "visible", cause_name(r->v.code));
		buf_free(&name);
		buf_free(&out);
	}
	buf_adds(b, g->n ? "\n  ]\n}\n" : "]\n}\n");
	buf_free(&s);
}

/* PrairieLearn: score in 0..1. A submission that did not compile, or could
 * not be graded, is "not gradable" (PrairieLearn then neither awards points
 * nor counts the attempt) and format_errors says why. Hidden scenarios show
 * only pass/fail: PrairieLearn has no "after published". */
static void pl_format_errors(struct buf *b, const struct grading *g)
{
	buf_adds(b, "\"format_errors\": [");
	if (g->build.sandbox_failed || g->grader_errors) {
		char m[160];
		snprintf(m, sizeof m, "grader error: %d scenario(s) could not be graded (not the student's fault)",
			 g->build.sandbox_failed ? g->n : g->grader_errors);
		esc_json(b, m, strlen(m));
	} else if (g->rejected) {
		struct buf m = {0};
		report_rejection(&m, g, "");
		esc_json(b, m.p, m.len - 1);   /* without its newline */
		buf_free(&m);
	} else if (!g->build.ok) {
		const char *m = "the submission did not compile; the compiler said:";
		esc_json(b, m, strlen(m));
		for (const char *p = g->build.excerpt ? g->build.excerpt : ""; *p;) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			struct buf t = {0};
			esc_text(&t, p, n);   /* the text report's rule, then JSON's */
			buf_adds(b, ", ");
			esc_json(b, buf_str(&t), t.len);
			buf_free(&t);
			p = nl ? nl + 1 : p + n;
		}
	}
	buf_adds(b, "]");
}

static void pl_test(struct buf *b, const struct grading *g, const struct sc_result *r)
{
	struct buf out = {0};
	const char *msg = r->v.pass ? "passed" : r->v.grader_error
		? "not graded: a grader error (not your fault; the TAs will regrade it)" : r->v.cause;
	test_output(&out, g, r);
	if (r->sc->hidden)   /* the cause's text may quote what the VMM did (an exit code) */
		msg = r->v.pass ? "passed (hidden scenario)" : "failed (hidden scenario: no details)";
	buf_adds(b, "{");
	key_str(b, "name", r->sc->name, strlen(r->sc->name));
	buf_adds(b, ", ");
	key_str(b, "description", r->sc->title, strlen(r->sc->title));
	buf_addf(b, ", \"points\": %d, \"max_points\": %d, ", r->score, r->sc->points);
	key_str(b, "message", msg, strlen(msg));
	buf_adds(b, ", ");
	key_str(b, "output", out.p ? out.p : "", out.len);
	if (!r->sc->hidden)   /* PrairieLearn shows everything: a hidden scenario says passed/failed only */
		buf_addf(b, ", \"cause\": \"%s\"", cause_name(r->v.code));
	buf_adds(b, "}");
	buf_free(&out);
}

static void prairielearn(struct buf *b, const struct grading *g)
{
	struct buf s = {0};
	public_summary(&s, g);
	int gradable = g->build.ok && !g->grader_errors && !g->build.sandbox_failed;
	buf_addf(b, "{\n  \"gradable\": %s,\n  \"score\": %.6f,\n  ", gradable ? "true" : "false",
		 g->max ? (double)g->score / g->max : 0.0);
	pl_format_errors(b, g);
	char msg[64];
	snprintf(msg, sizeof msg, "Score: %d/%d", g->score, g->max);
	buf_adds(b, ",\n  ");
	key_str(b, "message", msg, strlen(msg));
	buf_adds(b, ",\n  ");
	key_str(b, "output", s.p, s.len);
	buf_adds(b, ",\n  \"tests\": [");
	for (int i = 0; i < g->n; i++) {
		buf_adds(b, i ? ",\n    " : "\n    ");
		pl_test(b, g, &g->res[i]);
	}
	buf_adds(b, g->n ? "\n  ]\n}\n" : "]\n}\n");
	buf_free(&s);
}

static void autolab(struct buf *b, const struct grading *g)
{
	buf_adds(b, "{\"scores\": {");
	for (int i = 0; i < g->n; i++) {
		buf_adds(b, i ? ", " : "");
		esc_json(b, g->res[i].sc->name, strlen(g->res[i].sc->name));
		buf_addf(b, ": %d", g->res[i].score);
	}
	buf_addf(b, "}, \"scoreboard\": [%d]}\n", g->score);
}

static const struct {
	const char *name;
	void (*render)(struct buf *, const struct grading *);
	int on_stdout;   /* also the last line of the text report (Autolab reads stdout, */
			 /* and shows students all of it: the student-safe report goes there) */
} formats[] = {
	{ "gradescope", gradescope, 0 },
	{ "prairielearn", prairielearn, 0 },
	{ "autolab", autolab, 1 },
};

int results_on_stdout(const char *format)
{
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (!strcmp(format, formats[i].name))
			return formats[i].on_stdout;
	return 0;
}

int results_valid_format(const char *format)
{
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (!strcmp(format, formats[i].name))
			return 1;
	return 0;
}

int results_render(struct buf *b, const char *format, const struct grading *g)
{
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (!strcmp(format, formats[i].name)) {
			formats[i].render(b, g);
			return 0;
		}
	return -1;
}

void results_trailer(struct buf *b, const char *format, const struct grading *g)
{
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (!strcmp(format, formats[i].name) && formats[i].on_stdout)
			formats[i].render(b, g);
}

int results_write(const char *path, const char *format, const struct grading *g, char *err, size_t errlen)
{
	struct buf b = {0};
	if (results_render(&b, format, g) < 0) {
		snprintf(err, errlen, "unknown results format '%s'", format);
		return -1;
	}
	int rc = write_atomic(path, b.p, b.len, 0644);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	buf_free(&b);
	return rc;
}
