/* batch_stats.c — grade --batch's summary on stdout (batch.h). */
#include "batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void student_reset_causes(struct batch *b, struct student *s)
{
	for (int k = 0; s->cause && k < b->core.nsc; k++)
		s->cause[k] = CAUSE_COUNT;
	s->warnings = -1;
}

/* Causes by scenario name, as the points (student_take_row). */
void student_take_causes(struct batch *b, struct student *s, const struct row *r)
{
	if (!s->cause)
		s->cause = xmalloc((size_t)b->core.nsc * sizeof *s->cause);
	student_reset_causes(b, s);
	s->warnings = r->warnings;
	for (int i = 0; i < r->nsc; i++)
		for (int k = 0; k < b->core.nsc; k++)
			if (!strcmp(b->core.sc[k].name, r->sc[i].name))
				s->cause[k] = (int)r->sc[i].cause;
}

int batch_max(const struct batch *b)
{
	int m = 0;
	for (int i = 0; i < b->core.nsc; i++)
		m += b->core.sc[i].points;
	return m;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Scores of everyone with a known score (graded, did not compile, missing). */
static int known_scores(const struct batch *b, int **out)
{
	int *v = xmalloc((size_t)b->n * sizeof *v), k = 0;
	for (int i = 0; i < b->n; i++)
		if (b->st[i].final)
			v[k++] = b->st[i].have_scores ? b->st[i].score : 0;
	qsort(v, (size_t)k, sizeof *v, cmp_int);
	*out = v;
	return k;
}

static void summary_counts(struct buf *o, const struct batch *b)
{
	int graded = 0, nocc = 0, missing = 0, errors = 0, reused = 0, rejected = 0;
	for (int i = 0; i < b->n; i++) {
		const struct student *s = &b->st[i];
		reused += s->reused;
		if (!s->src)
			missing++;
		else if (s->final && s->status == ROW_GRADED)
			graded++;
		else if (s->final && s->status == ROW_REJECTED)
			rejected++;
		else if (s->final)
			nocc++;
		else
			errors++;
	}
	buf_addf(o, "%d students: %d graded, %d did not compile, %d without a submission, %d not graded "
		 "(grader/setup errors)", b->n, graded, nocc, missing, errors);
	if (rejected)
		buf_addf(o, ", %d rejected (a link, not a regular file, over 1 MiB or empty: 0 points)", rejected);
	if (reused)
		buf_addf(o, "; %d reused from %s", reused, b->out);
	int warned = 0;
	for (int i = 0; i < b->n; i++)
		warned += b->st[i].have_scores && b->st[i].warnings > 0;
	if (warned)
		buf_addf(o, "\n%d student(s) had compiler warnings (the gradebook's warnings column)", warned);
	buf_addf(o, "\n%.1f s with %d job(s); seed %lu\n", now_s() - b->t0, b->jobs, b->seed);
}

static void summary_scores(struct buf *o, const struct batch *b)
{
	int *v, k = known_scores(b, &v), max = batch_max(b);
	if (!k || !max) {
		free(v);
		return;
	}
	double sum = 0;
	for (int i = 0; i < k; i++)
		sum += v[i];
	double median = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2.0;
	buf_addf(o, "score (of %d): mean %.1f, median %.1f, min %d, max %d\n", max, sum / k, median, v[0], v[k - 1]);
	int bucket[11] = {0}, top = 1;
	for (int i = 0; i < k; i++) {
		int pc = v[i] * 100 / max;
		bucket[pc >= 100 ? 10 : pc / 10]++;
	}
	for (int i = 0; i < 11; i++)
		top = bucket[i] > top ? bucket[i] : top;
	for (int i = 0; i < 11; i++) {
		char label[16];
		snprintf(label, sizeof label, i == 10 ? "100%%" : "%d-%d%%", i * 10, i * 10 + 9);
		buf_addf(o, "  %8s %4d%s", label, bucket[i], bucket[i] ? " " : "");
		for (int j = 0; j < (bucket[i] * 40 + top - 1) / top; j++)
			buf_addc(o, '#');
		buf_addc(o, '\n');
	}
	free(v);
}

/* Why the graded students lost scenario k, most frequent first:
 * "wrong_port: 12 failed — 9 wrong-exit, 3 timeout". */
static void summary_causes(struct buf *o, const struct batch *b, int k, int failed)
{
	int count[CAUSE_COUNT + 1] = {0};
	for (int i = 0; i < b->n; i++) {
		const struct student *s = &b->st[i];
		if (!s->final || !s->have_scores || s->status != ROW_GRADED || s->pts[k] < 0 ||
		    s->pts[k] >= b->core.sc[k].points)
			continue;
		int c = s->cause ? s->cause[k] : CAUSE_COUNT;
		count[c >= 0 && c <= CAUSE_COUNT ? c : CAUSE_COUNT]++;
	}
	buf_addf(o, "    %s: %d failed —", b->core.sc[k].name, failed);
	for (int shown = 0;; shown++) {
		int best = -1;
		for (int c = 0; c <= CAUSE_COUNT; c++)
			if (count[c] > 0 && (best < 0 || count[c] > count[best]))
				best = c;
		if (best < 0)
			break;
		buf_addf(o, "%s %d %s", shown ? "," : "", count[best],
			 best == CAUSE_COUNT ? "unknown" : cause_name((enum cause)best));
		count[best] = 0;
	}
	buf_addc(o, '\n');
}

/* Among students whose code compiled and was graded: who lost each scenario. */
static void summary_failed(struct buf *o, const struct batch *b)
{
	int *fails = xmalloc((size_t)b->core.nsc * sizeof *fails), graded = 0;
	memset(fails, 0, (size_t)b->core.nsc * sizeof *fails);
	for (int i = 0; i < b->n; i++) {
		const struct student *s = &b->st[i];
		if (!s->final || !s->have_scores || s->status != ROW_GRADED)
			continue;
		graded++;
		for (int k = 0; k < b->core.nsc; k++)
			fails[k] += s->pts[k] >= 0 && s->pts[k] < b->core.sc[k].points;
	}
	for (int shown = 0; graded && shown < BATCH_TOP_FAILED; shown++) {
		int best = -1;
		for (int k = 0; k < b->core.nsc; k++)
			if (fails[k] > 0 && (best < 0 || fails[k] > fails[best]))
				best = k;
		if (best < 0)
			break;
		if (!shown)
			buf_adds(o, "failed most (of the students whose code compiled):\n");
		buf_addf(o, "  %-16s %4d/%d (%.0f%%)  %s\n", b->core.sc[best].name, fails[best], graded,
			 100.0 * fails[best] / graded, b->core.sc[best].title);
		summary_causes(o, b, best, fails[best]);
		fails[best] = 0;
	}
	free(fails);
}

void batch_summary(const struct batch *b)
{
	struct buf o = {0};
	summary_counts(&o, b);
	summary_scores(&o, b);
	summary_failed(&o, b);
	char *page = batch_dashboard_path(b);
	buf_addf(&o, "gradebook: %s\nclass page: %s\nper-student results: %s/<student>.json (reports: .txt; to "
		 "forward to students: student-reports/<student>.txt)\n", b->csv, page, b->out);
	free(page);
	fputs(buf_str(&o), stdout);
	fflush(stdout);
	buf_free(&o);
}

