/*
 * report.h — rendering a grading's results (struct grading, grade.h): each
 * format its own file, none reaching into a mode (DESIGN.md, "Reports").
 *   text.c       the text report (stdout), the TA's and the student-safe one
 *   summary.c    what a report says once: compiler warnings, repeated causes
 *   diagnosis.c  the lab's diagnoses that fired: one per root cause, at the top
 *   reproduce.c  the command that reruns a failed scenario in the student tarball
 *   results.c    results files: Gradescope, PrairieLearn, Autolab
 *   row.c        the batch row (what a child of grade --batch leaves its parent)
 *   csv.c        the CSV gradebook (report/csv.h)
 * Student-facing phrases follow lang.h (English unless Chinese is asked);
 * `Score: N/M`, PASS/FAIL/ERR and cause codes are machine-read: never translated.
 */
#ifndef VIRTLAB_REPORT_H
#define VIRTLAB_REPORT_H

#include "grade.h"

/* Who a rendering is for. The TA sees everything (sandbox layer, backend
 * probing, seed, hidden scenarios' details); a student sees no grader
 * internals, and only pass/fail and the title of a hidden scenario. */
enum audience { FOR_TA, FOR_STUDENT };

/* text.c: the text report */
/* All a student sees of a hidden scenario's outcome: one line, passed, or
 * failed and its cause code (never a diff, expected text, stderr, hint,
 * run time, nor a cause's text: each could carry the hidden image). */
void report_hidden(struct buf *b, const struct sc_result *r, const char *indent);
/* The details of a failure (cause, first difference, ending, stderr, hint,
 * reproduce command), each line prefixed by indent. Nothing for a pass. */
void report_detail(struct buf *b, const struct grading *g, const struct sc_result *r, const char *indent,
		   enum audience who);
void report_build_failure(struct buf *b, const struct grading *g, const char *indent, enum audience who);
/* "the submission was not graded: it is a symlink ..." (g->rejected), one line. */
void report_rejection(struct buf *b, const struct grading *g, const char *indent);
/* Header, build failure or warnings, repeated causes: what comes before the
 * scenarios. */
void report_preamble(struct buf *b, const struct grading *g, enum audience who);
/* The whole text report (header, lines, details, Score line) into b, for who. */
void report_text_for(struct buf *b, const struct grading *g, enum audience who);
/* report_text_for(FOR_TA): the report on stdout and <student>.txt. */
void report_text(struct buf *b, const struct grading *g);

/* summary.c */
/* The compiler's warnings of a build that succeeded (nothing when none),
 * and the penalty taken, each line prefixed by indent. */
void report_warnings(struct buf *b, const struct grading *g, const char *indent);
/* "your program crashed with SIGSEGV in 9 of 14 scenarios; first in `hello`":
 * one line per cause that lost two or more scenarios that ran (a signal
 * counts per signal). Returns how many lines. FOR_STUDENT: a hidden scenario's
 * signal is never said nor counted with a public one's (hidden crashes group
 * together, "killed by a signal"). */
int report_repeated(struct buf *b, const struct grading *g, enum audience who);
/* 1 when r failed for the same crash-like cause (a signal, a timeout, a
 * flood) as an earlier scenario of g: its details are kept short. */
int report_is_repeat(const struct grading *g, const struct sc_result *r, enum audience who);

/* diagnosis.c */
/* Each diagnosis of g (g->diag) as "diagnosis: SYMPTOM, in N of M scenarios
 * (first in `x`)", its likely cause and what to read; nothing when none.
 * FOR_STUDENT: N counts the public scenarios only, and a diagnosis that only
 * hidden ones show is not said (a symptom is more than a cause code). */
void report_diagnoses(struct buf *b, const struct grading *g, enum audience who);
/* A covered scenario's pointer to its diagnosis (r->diag != 0), one line. */
void report_diagnosed(struct buf *b, const struct grading *g, const struct sc_result *r, const char *indent);
/* 1 when r's hint is about what r got wrong (the scenario's hint-on). */
int report_hint_applies(const struct sc_result *r);
/* The scenario's title in the report's language (title-zh when asked and written). */
const char *report_title(const struct scenario *sc);

/* reproduce.c: one shell line, run from the student tarball's top folder:
 * builds program and the scenario's image (with seed when with_seed and the
 * scenario is randomized, else the tarball's self-check seed) and runs it as
 * grading did (./kvm-emu and the scenario's KVMEMU_* knobs for be = emu). */
void reproduce_command(struct buf *b, const char *program, const char *lab_dir, const struct scenario *sc,
		       enum backend be, unsigned long seed, int with_seed);

/* results.c: results files. format: "gradescope" (default), "prairielearn", "autolab".
 * Returns 0, or -1 with a one-line reason in err. */
int results_valid_format(const char *format);
int results_render(struct buf *b, const char *format, const struct grading *g);
int results_write(const char *path, const char *format, const struct grading *g, char *err, size_t errlen);
/* What the format adds after the text report on stdout (Autolab: its JSON
 * as the last line); nothing for the others. */
void results_trailer(struct buf *b, const char *format, const struct grading *g);
/* 1 for a format whose platform shows the grader's stdout to students
 * (Autolab): a single grading prints the student-safe report there. */
int results_on_stdout(const char *format);

#endif
