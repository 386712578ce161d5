/* csv.c — the CSV gradebook (csv.h): RFC 4180, cells safe to open. */
#include "csv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* A spreadsheet opens a cell starting with = + - @ (or a tab or CR before
 * one) as a formula, and student names come from folder names: such a cell
 * gets a leading ' (OWASP, "CSV Injection"), which shows as text. */
int csv_formula_like(const char *s)
{
	return *s && strchr("=+-@\t\r", *s);
}

/* A cell free of control characters: `cat grades.csv` must not replay an
 * escape sequence hidden in a folder name. Control bytes (C0, DEL), C1
 * controls (U+0080–U+009F) and bytes that aren't valid UTF-8 become a
 * visible \xHH, a backslash \\; valid UTF-8 stays as it is. malloc'd. */
char *csv_clean(const char *s)
{
	struct buf b = {0};
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		int len = utf8_seq_len(u + i, n - i);
		int c1 = len == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0;
		if (u[i] == '\\') {
			buf_adds(&b, "\\\\");
			i++;
		} else if (len == 0 || u[i] < 0x20 || u[i] == 0x7f || c1) {
			for (int k = 0; k < (c1 ? 2 : 1); k++)
				buf_addf(&b, "\\x%02x", u[i++]);
		} else {
			buf_add(&b, u + i, (size_t)len);
			i += (size_t)len;
		}
	}
	buf_str(&b);
	return b.p;
}

/* RFC 4180: quoted when it holds a separator, a quote or edge blanks;
 * quotes doubled. Control characters are escaped and formula-like cells
 * defused first. */
void csv_field(struct buf *out, const char *raw)
{
	char *cell = csv_clean(raw);
	char *defused = csv_formula_like(cell) ? xasprintf("'%s", cell) : NULL;
	const char *s = defused ? defused : cell;
	size_t n = strlen(s);
	int quote = strpbrk(s, ",\"\r\n") || (n && (isspace((unsigned char)s[0]) || isspace((unsigned char)s[n - 1])));
	if (quote)
		buf_addc(out, '"');
	for (const char *p = s; *p; p++) {
		if (quote && *p == '"')
			buf_addc(out, '"');
		buf_addc(out, *p);
	}
	if (quote)
		buf_addc(out, '"');
	free(defused);
	free(cell);
}

static void csv_int(struct buf *out, int have, int v)
{
	buf_addc(out, ',');
	if (have)
		buf_addf(out, "%d", v);
}

void csv_causes(struct buf *out, const struct scenario *sc, int nsc, const int *cause)
{
	int first = 1;
	for (int i = 0; cause && i < nsc; i++) {
		enum cause c = (enum cause)cause[i];
		if (c == CAUSE_PASSED || c == CAUSE_BUILD_FAILED || c == CAUSE_REJECTED || c >= CAUSE_COUNT || c < 0)
			continue;
		buf_addf(out, "%s%s:%s", first ? "" : " ", sc[i].name, cause_name(c));
		first = 0;
	}
	buf_str(out);
}

void csv_gradebook(struct buf *out, const struct scenario *sc, int nsc, const struct gb_student *st, int n)
{
	int max = 0;
	for (int i = 0; i < nsc; i++)
		max += sc[i].points;
	buf_adds(out, "student,score,max");
	for (int i = 0; i < nsc; i++) {
		buf_addc(out, ',');
		csv_field(out, sc[i].name);
	}
	buf_adds(out, ",warnings,causes,status\n");
	for (int i = 0; i < n; i++) {
		const struct gb_student *s = &st[i];
		int missing = !s->has_submission;   /* no submission: 0 points, not unknown */
		csv_field(out, s->name);
		csv_int(out, s->have_scores || missing, s->have_scores ? s->score : 0);
		csv_int(out, 1, s->have_scores ? s->max : max);
		for (int k = 0; k < nsc; k++)
			csv_int(out, s->pts[k] >= 0, s->pts[k]);
		csv_int(out, s->have_scores && s->warnings >= 0, s->warnings);
		struct buf causes = {0};
		csv_causes(&causes, sc, nsc, s->cause);
		buf_addc(out, ',');
		csv_field(out, buf_str(&causes));
		buf_free(&causes);
		buf_addc(out, ',');
		csv_field(out, s->status);
		buf_addc(out, '\n');
	}
}
