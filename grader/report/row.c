/* row.c — the batch row (row.h): written by a child, read by the batch. */
#include "row.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The words of each status, as rows and the gradebook spell them; the
 * detail follows "prefix: ". */
static const char *const status_word[] = {
	[ROW_UNKNOWN] = "", [ROW_GRADED] = "graded", [ROW_NO_COMPILE] = "did not compile",
	[ROW_REJECTED] = "rejected", [ROW_NO_SOURCE] = "no source", [ROW_SETUP_ERROR] = "setup error",
	[ROW_GRADER_ERROR] = "grader error",
};
#define NSTATUS (int)(sizeof status_word / sizeof *status_word)

enum row_status row_status_of(const struct grading *g, int rc, char **detail)
{
	*detail = NULL;
	if (g->build.sandbox_failed) {
		*detail = xstrdup("the sandbox failed while compiling");
		return ROW_GRADER_ERROR;
	}
	if (g->grader_errors) {
		*detail = xasprintf("%d scenario(s) could not be graded", g->grader_errors);
		return ROW_GRADER_ERROR;
	}
	if (rc) {
		*detail = xasprintf("grade exited %d after grading", rc);
		return ROW_GRADER_ERROR;
	}
	if (g->rejected) {
		*detail = xstrdup(g->rejected);
		return ROW_REJECTED;
	}
	return g->build.ok ? ROW_GRADED : ROW_NO_COMPILE;
}

int row_status_final(enum row_status st)
{
	return st == ROW_GRADED || st == ROW_NO_COMPILE || st == ROW_REJECTED;
}

char *row_status_text(enum row_status st, const char *detail, const char *source)
{
	if (st == ROW_NO_SOURCE)
		return xasprintf("no %s in the folder", source);
	if (detail)
		return xasprintf("%s: %s", status_word[st], detail);
	return xstrdup(status_word[st]);
}

/* "graded", "rejected: symlink" → status and detail. */
static enum row_status parse_status(const char *s, char **detail)
{
	*detail = NULL;
	for (int i = 1; i < NSTATUS; i++) {
		size_t n = strlen(status_word[i]);
		if (strncmp(s, status_word[i], n))
			continue;
		if (!s[n])
			return (enum row_status)i;
		if (s[n] == ':' && s[n + 1] == ' ') {
			*detail = xstrdup(s + n + 2);
			return (enum row_status)i;
		}
	}
	if (!strncmp(s, "no ", 3)) {
		*detail = xstrdup(s);
		return ROW_NO_SOURCE;
	}
	return ROW_UNKNOWN;
}

void row_render(struct buf *b, const char *key, const struct grading *g, int rc)
{
	char *detail;
	enum row_status st = row_status_of(g, rc, &detail);
	char *status = row_status_text(st, detail, "");
	buf_addf(b, "%s\nkey %s\nstatus %s\nscore %d\nmax %d\nwarnings %d\n", ROW_MAGIC, key ? key : "", status,
		 g->score, g->max, g->build.ok ? g->build.warnings : 0);
	for (int i = 0; i < g->n; i++)
		buf_addf(b, "sc\t%s\t%d\t%d\t%s\n", g->res[i].sc->name, g->res[i].score, g->res[i].sc->points,
			 cause_name(g->res[i].v.code));
	free(status);
	free(detail);
}

int row_write(const char *path, const char *key, const struct grading *g, int rc)
{
	struct buf b = {0};
	row_render(&b, key, g, rc);
	int r = write_atomic(path, b.p, b.len, 0644);
	buf_free(&b);
	return r;
}

/* One `word value` line into r. */
static void row_line(struct row *r, char *line)
{
	char *sp = line + strcspn(line, " \t");
	if (!*sp)
		return;
	*sp++ = '\0';
	if (!strcmp(line, "key")) {
		free(r->key);
		r->key = xstrdup(sp);
	} else if (!strcmp(line, "status")) {
		free(r->detail);
		r->status = parse_status(sp, &r->detail);
	} else if (!strcmp(line, "score")) {
		r->score = atoi(sp);
	} else if (!strcmp(line, "max")) {
		r->max = atoi(sp);
	} else if (!strcmp(line, "warnings")) {
		r->warnings = atoi(sp);
	} else if (!strcmp(line, "sc")) {
		char *tab = strchr(sp, '\t');
		if (!tab)
			return;
		*tab++ = '\0';
		r->sc = xrealloc(r->sc, (size_t)(r->nsc + 1) * sizeof *r->sc);
		r->sc[r->nsc].name = xstrdup(sp);
		r->sc[r->nsc].points = atoi(tab);
		char *t2 = strchr(tab, '\t');
		r->sc[r->nsc].max = t2 ? atoi(t2 + 1) : 0;
		char *t3 = t2 ? strchr(t2 + 1, '\t') : NULL;
		if (!t3 || cause_parse(t3 + 1, &r->sc[r->nsc].cause) < 0)
			r->sc[r->nsc].cause = CAUSE_COUNT;
		r->nsc++;
	}
}

int row_parse(const char *text, struct row *r)
{
	memset(r, 0, sizeof *r);
	size_t m = strlen(ROW_MAGIC);
	if (!text || strncmp(text, ROW_MAGIC, m) || text[m] != '\n')
		return -1;
	char *copy = xstrdup(text + m + 1);
	for (char *save, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		row_line(r, l);
	free(copy);
	if (r->status == ROW_UNKNOWN || !r->key) {
		row_free(r);
		return -1;
	}
	return 0;
}

void row_free(struct row *r)
{
	free(r->key);
	free(r->detail);
	for (int i = 0; i < r->nsc; i++)
		free(r->sc[i].name);
	free(r->sc);
	memset(r, 0, sizeof *r);
}
