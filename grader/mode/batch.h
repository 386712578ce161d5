/*
 * batch.h — `grade --batch DIR`: a whole class, one child `grade` process per
 * student (so one student's catastrophe can't touch another's), in parallel,
 * into a CSV gradebook plus per-student results files (HACKING.md, "grade --batch").
 */
#ifndef VIRTLAB_BATCH_H
#define VIRTLAB_BATCH_H

struct grading;

/* 1 when argv asks for batch mode (a --batch option before any "--"). */
int batch_wanted(int argc, char **argv);

/* The whole batch: options, students, children, CSV, summary. Returns the
 * exit status: 0 every student graded, 2 usage/setup error or some student
 * could not be graded (their rows say why; a re-run retries them), 130 when
 * interrupted (a re-run with the same --out resumes). */
int batch_main(int argc, char **argv);

/* The child's side, called by main.c once a single grading has finished
 * (rc: its exit status). When the parent asked for it (environment
 * VIRTLAB_BATCH_ROW), writes the student's row file atomically; otherwise
 * does nothing. */
void batch_child_row(const struct grading *g, int rc);

#endif
