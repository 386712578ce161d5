/*
 * csv.h — the CSV gradebook of grade --batch (HACKING.md, "grade --batch"):
 * `student,score,max,<one column per scenario>,warnings,causes,status`, RFC 4180 quoting,
 * one row per student in the order given. Cells hold no control characters
 * and never start like a formula (student names are folder names).
 */
#ifndef VIRTLAB_CSV_H
#define VIRTLAB_CSV_H

#include "scenario.h"
#include "util.h"
#include "verdict.h"

/* One student's line, as the gradebook needs it. */
struct gb_student {
	const char *name;
	int has_submission;   /* 0: "no <source>": 0 points, not unknown */
	int have_scores;      /* score, max, pts are known */
	int score, max;
	const int *pts;       /* per scenario; -1: unknown (an empty cell) */
	const int *cause;     /* per scenario, an enum cause (CAUSE_COUNT: unknown); NULL: none known */
	int warnings;         /* the build's compiler warnings; -1: unknown (an empty cell) */
	const char *status;
};

/* The causes cell: `name:cause` for each scenario lost for a cause of the
 * student's program (not build-failed, rejected or unknown), blank-separated,
 * in the scenarios' order; empty when none. */
void csv_causes(struct buf *out, const struct scenario *sc, int nsc, const int *cause);

/* The whole gradebook into out. */
void csv_gradebook(struct buf *out, const struct scenario *sc, int nsc, const struct gb_student *st, int n);

/* One cell: control bytes, C1 and invalid UTF-8 as \xHH, a backslash as
 * \\; a leading ' when it starts with = + - @ tab CR (OWASP, "CSV
 * Injection"); quoted when it holds a comma, quote, newline or edge blank. */
void csv_field(struct buf *out, const char *raw);
/* The escaping alone (malloc'd). */
char *csv_clean(const char *s);
/* 1 when a spreadsheet would take s as a formula. */
int csv_formula_like(const char *s);

#endif
