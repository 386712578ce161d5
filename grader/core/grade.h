/*
 * grade.h — the results of one grading, as main.c assembles them and the
 * report writers (report.c, json.c) read them.
 */
#ifndef VIRTLAB_GRADE_H
#define VIRTLAB_GRADE_H

#include <stdio.h>

#include "build.h"
#include "run.h"
#include "scenario.h"
#include "util.h"
#include "verdict.h"

struct sc_result {
	const struct scenario *sc;
	enum backend backend;     /* where it ran (or would have) */
	int ran;                  /* run is filled */
	struct run_outcome run;
	struct expectation exp;
	struct verdict v;
	int score;
};

struct grading {
	const char *submission;   /* as given on the command line */
	const char *lab;
	const char *layer;        /* box_layer() */
	const char *backend_desc; /* "kvm", "emu", "auto → emu (/dev/kvm: ...)" */
	unsigned long seed;
	int has_random;           /* any scenario uses the seed */
	int public_only;
	const char *rejected;     /* intake refused the submission: its cause ("symlink", ...);
				     graded 0, final, nothing built or run */
	struct build_result build;
	struct sc_result *res;
	int n;
	int score, max;
	int grader_errors;        /* scenarios that failed for a reason not the student's */
	double elapsed_s;
};

/* report.c */
/* The details of a failure (cause, first difference, ending, stderr, hint),
 * each line prefixed by indent. Nothing for a pass. */
void report_detail(struct buf *b, const struct sc_result *r, const char *indent);
void report_build_failure(struct buf *b, const struct grading *g, const char *indent);
/* "the submission was not graded: it is a symlink ..." (g->rejected), one line. */
void report_rejection(struct buf *b, const struct grading *g, const char *indent);
/* intake's cause as the end of "it is ...": "a symbolic link", "empty", ... */
const char *rejection_phrase(const char *cause);
/* Header and build failure: what everyone may see. */
void report_preamble(struct buf *b, const struct grading *g);
/* The whole text report (header, lines, details, Score line) into b. */
void report_text(struct buf *b, const struct grading *g);

/* json.c: results files. format: "gradescope" (default), "prairielearn", "autolab".
 * Returns 0, or -1 with a one-line reason in err. */
int results_valid_format(const char *format);
int results_render(struct buf *b, const char *format, const struct grading *g);
int results_write(const char *path, const char *format, const struct grading *g, char *err, size_t errlen);
/* What the format adds after the text report on stdout (Autolab: its JSON
 * as the last line); nothing for the others. */
void results_trailer(struct buf *b, const char *format, const struct grading *g);

#endif
