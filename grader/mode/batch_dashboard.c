/*
 * batch_dashboard.c — grade --batch's class page: <csv without .csv>.html
 * beside the gradebook, one self-contained HTML file (CSS inline, no
 * script, nothing fetched) a TA opens in a browser: the score histogram,
 * the pass rate of each scenario, the causes of lost scenarios, who did not
 * compile, and a link to every student's reports.
 *
 * Everything a class folder or a submission names (student names, statuses,
 * titles) is untrusted: shown as everywhere (printable(): control bytes
 * escaped), then HTML-escaped; links are percent-encoded. The page shows
 * the TA's view: hidden scenarios are named (it is never for students).
 */
#include "batch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BINS 10   /* the histogram: 0-9 %, ..., 90-100 % */

/* s as text of an HTML element or attribute value. */
static void html(struct buf *b, const char *s)
{
	char *p = printable(s);
	for (const char *c = p; *c; c++) {
		switch (*c) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_addc(b, *c);
		}
	}
	free(p);
}

/* s as one path segment of a relative URL: only unreserved bytes as they are. */
static void url(struct buf *b, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    *c == '-' || *c == '_' || *c == '.' || *c == '~')
			buf_addc(b, (char)*c);
		else
			buf_addf(b, "%%%02X", *c);
	}
}

/* The out dir as seen from the page's folder: a relative path when it is
 * inside it (the default, <csv>-results), else an absolute file: URL. */
static void out_dir_url(struct buf *b, const struct batch *bt)
{
	const char *slash = strrchr(bt->csv, '/');
	size_t n = slash ? (size_t)(slash - bt->csv) + 1 : 0;
	int inside = n && !strncmp(bt->out, bt->csv, n) && bt->out[n];
	char *rest = xstrdup(inside ? bt->out + n : bt->out);
	if (!inside)
		buf_adds(b, "file://");
	int first = 1;
	for (char *save = NULL, *seg = strtok_r(rest, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!first || !inside)
			buf_addc(b, '/');
		url(b, seg);
		first = 0;
	}
	free(rest);
}

static const char *const style =
	"body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}"
	"h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}"
	"table{border-collapse:collapse}td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}"
	".bar{display:inline-block;height:.9em;background:#4a7;vertical-align:middle}"
	".bad{background:#c55}.muted{color:#777}";

static int pct(int a, int b)
{
	return b ? (int)(100.0 * a / b + 0.5) : 0;
}

static void head(struct buf *o, const struct batch *b, int scored)
{
	buf_adds(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>");
	html(o, b->kit.lab);
	buf_addf(o, ": class results</title>\n<style>%s</style></head>\n<body>\n<h1>", style);
	html(o, b->kit.lab);
	buf_addf(o, ": %d students, %d with a score</h1>\n<p>Gradebook: <code>", b->n, scored);
	html(o, b->csv);
	buf_adds(o, "</code> (this page is the TA's: hidden scenarios are named).</p>\n");
}

static void histogram(struct buf *o, const struct batch *b, int max)
{
	int bin[BINS] = {0}, n = 0, most = 1;
	for (int i = 0; i < b->n; i++) {
		const struct student *s = &b->st[i];
		if (!s->final)
			continue;
		int score = s->have_scores ? s->score : 0;
		int k = max ? score * BINS / max : 0;
		bin[k >= BINS ? BINS - 1 : k < 0 ? 0 : k]++;
		n++;
	}
	for (int k = 0; k < BINS; k++)
		most = bin[k] > most ? bin[k] : most;
	buf_addf(o, "<h2 id=\"histogram\">Scores (out of %d)</h2>\n<table class=\"histogram\">\n", max);
	for (int k = 0; k < BINS; k++)
		buf_addf(o, "<tr><td>%d&ndash;%d%%</td><td class=\"n\">%d</td><td><span class=\"bar\" "
			 "style=\"width:%dem\"></span></td></tr>\n", k * 10, k == BINS - 1 ? 100 : k * 10 + 9,
			 bin[k], bin[k] * 20 / most);
	buf_addf(o, "</table>\n<p class=\"muted\">%d students with a final result.</p>\n", n);
}

static void scenarios(struct buf *o, const struct batch *b)
{
	buf_adds(o, "<h2 id=\"scenarios\">Pass rate per scenario</h2>\n<table class=\"scenarios\">\n"
		    "<tr><th>scenario</th><th>points</th><th>passed</th><th></th><th>title</th></tr>\n");
	for (int k = 0; k < b->core.nsc; k++) {
		const struct scenario *sc = &b->core.sc[k];
		int ran = 0, passed = 0;
		for (int i = 0; i < b->n; i++) {
			const struct student *s = &b->st[i];
			if (!s->have_scores || s->status == ROW_NO_SOURCE || s->pts[k] < 0)
				continue;
			ran++;
			passed += s->cause ? s->cause[k] == CAUSE_PASSED : s->pts[k] == sc->points;
		}
		buf_adds(o, "<tr><td>");
		html(o, sc->name);
		buf_addf(o, "%s</td><td class=\"n\">%d</td><td class=\"n\">%d/%d (%d%%)</td><td><span class=\"bar\" "
			 "style=\"width:%dem\"></span></td><td>", sc->hidden ? " <span class=\"muted\">(hidden)</span>" : "",
			 sc->points, passed, ran, pct(passed, ran), pct(passed, ran) / 5);
		html(o, sc->title);
		buf_adds(o, "</td></tr>\n");
	}
	buf_adds(o, "</table>\n");
}

static void causes(struct buf *o, const struct batch *b)
{
	int tally[CAUSE_COUNT + 1] = {0}, any = 0;
	for (int i = 0; i < b->n; i++)
		for (int k = 0; b->st[i].cause && k < b->core.nsc; k++) {
			int c = b->st[i].cause[k];
			if (c >= 0 && c < CAUSE_COUNT && c != CAUSE_PASSED) {
				tally[c]++;
				any++;
			}
		}
	buf_adds(o, "<h2 id=\"causes\">Why scenarios were lost</h2>\n");
	if (!any) {
		buf_adds(o, "<p>No scenario was lost.</p>\n");
		return;
	}
	buf_adds(o, "<table class=\"causes\">\n<tr><th>cause</th><th>scenarios lost</th></tr>\n");
	for (int c = 0; c < CAUSE_COUNT; c++)
		if (tally[c]) {
			buf_adds(o, "<tr><td>");
			html(o, cause_name((enum cause)c));
			buf_addf(o, "</td><td class=\"n\">%d</td></tr>\n", tally[c]);
		}
	buf_adds(o, "</table>\n");
}

static void report_link(struct buf *o, const struct batch *b, const char *sub, const struct student *s,
			const char *label)
{
	buf_adds(o, "<a href=\"");
	out_dir_url(o, b);
	buf_addf(o, "/%s", sub);
	url(o, s->name);
	buf_adds(o, ".txt\">");
	buf_adds(o, label);
	buf_adds(o, "</a>");
}

static void students(struct buf *o, const struct batch *b, int max)
{
	buf_adds(o, "<h2 id=\"no-compile\">Did not compile</h2>\n");
	int none = 1;
	for (int i = 0; i < b->n; i++)
		if (b->st[i].status == ROW_NO_COMPILE) {
			buf_adds(o, none ? "<ul class=\"no-compile\">\n" : "");
			none = 0;
			buf_adds(o, "<li>");
			html(o, b->st[i].name);
			buf_adds(o, " (");
			report_link(o, b, "", &b->st[i], "report");
			buf_adds(o, ")</li>\n");
		}
	buf_adds(o, none ? "<p>Everyone's code compiled.</p>\n" : "</ul>\n");
	buf_adds(o, "<h2 id=\"students\">Students</h2>\n<table class=\"students\">\n"
		    "<tr><th>student</th><th>score</th><th>status</th><th>reports</th></tr>\n");
	for (int i = 0; i < b->n; i++) {
		const struct student *s = &b->st[i];
		char *status = batch_status_text(b, s);
		buf_adds(o, "<tr><td>");
		html(o, s->name);
		if (s->have_scores)
			buf_addf(o, "</td><td class=\"n\">%d/%d</td><td>", s->score, s->max ? s->max : max);
		else
			buf_adds(o, "</td><td class=\"n\">&ndash;</td><td>");
		html(o, status);
		buf_adds(o, "</td><td>");
		if (s->src && s->status != ROW_NO_SOURCE) {
			report_link(o, b, "", s, "TA's");
			buf_adds(o, " &middot; ");
		}
		report_link(o, b, BATCH_STUDENT_REPORTS "/", s, "student's");
		buf_adds(o, "</td></tr>\n");
		free(status);
	}
	buf_adds(o, "</table>\n");
}

char *batch_dashboard_path(const struct batch *b)
{
	size_t n = strlen(b->csv);
	if (n > 4 && !strcmp(b->csv + n - 4, ".csv"))
		n -= 4;
	return xasprintf("%.*s.html", (int)n, b->csv);
}

int batch_dashboard(const struct batch *b)
{
	struct buf o = {0};
	int max = batch_max(b), scored = 0;
	for (int i = 0; i < b->n; i++)
		scored += b->st[i].have_scores;
	head(&o, b, scored);
	histogram(&o, b, max);
	scenarios(&o, b);
	causes(&o, b);
	students(&o, b, max);
	buf_adds(&o, "</body></html>\n");
	char *path = batch_dashboard_path(b);
	int rc = write_atomic(path, o.p, o.len, 0644);
	if (rc < 0)
		fprintf(stderr, "grade: cannot write the class page %s: %s\n", path, strerror(errno));
	free(path);
	buf_free(&o);
	return rc;
}
