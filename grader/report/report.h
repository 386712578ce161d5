/*
 * report.h — rendering a grading's results (struct grading, grade.h): each
 * format its own file, none reaching into a mode (DESIGN.md, "Reports").
 *   text.c     the text report (stdout)
 *   results.c  results files: Gradescope, PrairieLearn, Autolab
 *   row.c      the batch row (what a child of grade --batch leaves its parent)
 *   csv.c      the CSV gradebook (report/csv.h)
 */
#ifndef VIRTLAB_REPORT_H
#define VIRTLAB_REPORT_H

#include "grade.h"

/* text.c: the text report */
/* The details of a failure (cause, first difference, ending, stderr, hint),
 * each line prefixed by indent. Nothing for a pass. */
void report_detail(struct buf *b, const struct sc_result *r, const char *indent);
void report_build_failure(struct buf *b, const struct grading *g, const char *indent);
/* "the submission was not graded: it is a symlink ..." (g->rejected), one line. */
void report_rejection(struct buf *b, const struct grading *g, const char *indent);
/* Header and build failure: what everyone may see. */
void report_preamble(struct buf *b, const struct grading *g);
/* The whole text report (header, lines, details, Score line) into b. */
void report_text(struct buf *b, const struct grading *g);

/* results.c: results files. format: "gradescope" (default), "prairielearn", "autolab".
 * Returns 0, or -1 with a one-line reason in err. */
int results_valid_format(const char *format);
int results_render(struct buf *b, const char *format, const struct grading *g);
int results_write(const char *path, const char *format, const struct grading *g, char *err, size_t errlen);
/* What the format adds after the text report on stdout (Autolab: its JSON
 * as the last line); nothing for the others. */
void results_trailer(struct buf *b, const char *format, const struct grading *g);

#endif
