/*
 * row.h — the batch row: one student's outcome as a child of grade --batch
 * leaves it for its parent (HACKING.md, "grade --batch"). A results format
 * like the others: rendered from a grading (row_render), never from a mode's
 * internals; the parent reads only this (row_parse), never the results file.
 *
 *   virtlab-batch-row 1
 *   key <the options and the lab's fingerprint>
 *   status <graded | did not compile | rejected: <cause> | grader error: <why> | ...>
 *   score N
 *   max M
 *   warnings W                            the build's compiler warnings (0: none)
 *   sc<TAB>name<TAB>points<TAB>max<TAB>cause   one per scenario; cause: cause_name()
 * A row without `warnings` or a cause (made by an older grade) reads as 0
 * warnings and unknown causes (CAUSE_COUNT).
 */
#ifndef VIRTLAB_ROW_H
#define VIRTLAB_ROW_H

#include "grade.h"
#include "util.h"

#define ROW_MAGIC "virtlab-batch-row 1"

/* A student's status: the gradebook's last column. */
enum row_status {
	ROW_UNKNOWN,          /* no row (yet) */
	ROW_GRADED,           /* final */
	ROW_NO_COMPILE,       /* final: "did not compile" */
	ROW_REJECTED,         /* final: "rejected: <cause>" (intake) */
	ROW_NO_SOURCE,        /* "no <source> in the folder" */
	ROW_SETUP_ERROR,      /* "setup error: <grade's message>" */
	ROW_GRADER_ERROR,     /* "grader error: <why>" */
};

struct row_scenario {
	char *name;
	int points, max;
	enum cause cause;     /* CAUSE_COUNT: unknown */
};

struct row {
	char *key;
	enum row_status status;
	char *detail;         /* what follows "rejected: ", "grader error: ", ...; NULL for the others */
	int score, max;
	int warnings;
	struct row_scenario *sc;
	int nsc;
};

/* The status of a finished grading (rc: grade's exit status so far). */
enum row_status row_status_of(const struct grading *g, int rc, char **detail);
/* 1 for a status a resumed batch keeps: the student's own outcome. */
int row_status_final(enum row_status st);
/* The status as the gradebook writes it ("rejected: symlink"); malloc'd.
 * source: the lab's file name, for ROW_NO_SOURCE. */
char *row_status_text(enum row_status st, const char *detail, const char *source);

/* The row of grading g into b. */
void row_render(struct buf *b, const char *key, const struct grading *g, int rc);
/* row_render into path, atomically. 0, or -1 with errno. */
int row_write(const char *path, const char *key, const struct grading *g, int rc);
/* Parses a row's text. 0, or -1 when it isn't a well-formed row. */
int row_parse(const char *text, struct row *r);
void row_free(struct row *r);

#endif
