/*
 * batch.h — `grade --batch DIR`: a whole class, one child `grade` process per
 * student (so one student's catastrophe can't touch another's), in parallel,
 * into a CSV gradebook plus per-student results files (HACKING.md, "grade
 * --batch"). The mode's parts, apart so that each can be read and tested:
 *
 *   batch.c        options, the class folder, the out dir (lock, seed),
 *                  the lab's fingerprint, main
 *   batch_plan.c   who this run grades: resume by content, --student, --force
 *   batch_sched.c  the scheduler: children, deadlines, reaping, refusals
 *   batch_stats.c  the summary on stdout
 *   report/row.c   the row a child leaves (a results format)
 *   report/csv.c   the gradebook
 */
#ifndef VIRTLAB_BATCH_H
#define VIRTLAB_BATCH_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli.h"
#include "kit.h"
#include "grading.h"
#include "row.h"
#include "scenario.h"

#define BATCH_EXIT_INTERRUPTED 130
#define BATCH_TOP_FAILED 5

struct student {
	char *name;
	char *entry;              /* its entry in the class folder (a folder or STUDENT.c) */
	int in_folder;            /* entry is a folder holding the submission */
	char *inner;              /* in_folder: the submission's path in it (locate.h) */
	char *src;                /* path of the submission (its name in reports), NULL when missing */
	enum row_status status;   /* ROW_UNKNOWN until known */
	char *detail;             /* the status's detail ("symlink", a grader error's why) */
	int have_scores;          /* score/max/pts come from a row */
	int score, max;
	int *pts;                 /* per scenario (the batch's order); -1: unknown */
	int *cause;               /* per scenario, enum cause from the row (batch_stats.c); NULL: none */
	int warnings;             /* the build's compiler warnings, from the row; -1: unknown */
	int final;                /* graded, did not compile, rejected: kept on resume */
	int reused;
	int stale;                /* had a final row, made with other options or another lab */
	int changed;              /* had a final row of this lab and options, from other bytes */
	int keep;                 /* --student names others: its row is kept as it is, not graded */
	pid_t pid;                /* running child, or 0 */
	double started;
	int killed;               /* by the deadline */
	char *tmpdir;             /* the child's TMPDIR */
};

struct batch {
	const struct cli *opt;
	const char *dir, *csv, *out, *expect_dir;   /* resolved against where grade started */
	int jobs;
	double deadline;          /* per student, seconds */
	unsigned long seed;
	struct kit kit;
	struct core core;         /* the lab and its scenarios (core_load: no work dir) */
	struct student *st;
	int n;
	char *key;                /* the options a row must have been made with */
	char *tmpbase;            /* the children's TMPDIRs live below it */
	int class_fd;             /* the class folder: entries are opened relative to it */
	int lock_fd;
	sigset_t orig_mask;
	int done, running, interrupted;
	int todo, finished;       /* students this run grades, and how many of them are done */
	int kept_other, unrowed;  /* --student: others kept though stale; others without results */
	int named;                /* --student: how many students it names */
	int forced_resumed;       /* --force after an interrupted --force: rows of that run kept */
	int tty;
	double t0, t_grading;     /* start; start of grading (progress rate and ETA) */
};

/* batch.c */
/* <out>/<name><suffix>, malloc'd. */
char *batch_out_file(const struct batch *b, const char *name, const char *suffix);
/* A student's status as the gradebook writes it; malloc'd. */
char *batch_status_text(const struct batch *b, const struct student *s);
/* Forgets what a row said (scores unknown, status unknown). */
void student_reset(struct batch *b, struct student *s);
/* Takes a parsed row into s: status, scores, per-scenario points by name.
 * 0, or -1 when the row is not this run's (key differs; NULL key: any). */
int student_take_row(struct batch *b, struct student *s, const struct row *r, const char *key);
/* Reads <out>/<name>.row into s (any key). 0 when well-formed; *key: the row's (malloc'd). */
int student_read_row(struct batch *b, struct student *s, char **key);
/* Student names come from file names: shown as everywhere (esc_text):
 * UTF-8 as it is, control and terminal-escape bytes escaped. malloc'd. */
char *printable(const char *s);

/* batch_plan.c */
/* Decides who this run grades (b->todo) and takes the rows of the others
 * (b->done): reused, kept (--student names others), or without a source.
 * 0, or a usage error (an unknown --student). */
int batch_plan(struct batch *b);
/* The resume key (HACKING.md, "grade --batch"): a row is reused only when
 * its key is this, byte for byte: the batch's options and lab fingerprint
 * (base) and the hash of the submission's bytes as intake read them. */
struct digest submission_hash(const char *data, size_t len);
char *student_key(const char *base, const struct digest *content);   /* malloc'd */
/* 1 when key was made with base's options and lab (whatever the content). */
int key_same_lab(const char *key, const char *base);

/* The student's submission through intake (intake.h), relative to the
 * class folder's fd: the student's folder and the file in it are opened
 * without following a symlink. An fd, or -1 with in->status. */
struct intake;
int batch_open_submission(const struct batch *b, const struct student *s, struct intake *in);

/* --student NAME: the index of the student whose name (or class-folder
 * entry: "alice", "alice.c") is exactly name, or -1. st sorted or not. */
int student_find(const struct student *st, int n, const char *name);

/* batch_sched.c: runs every student not final; returns when all are done
 * or a signal interrupted (b->interrupted). */
void batch_run_all(struct batch *b);
/* --force's journal, <out>/FORCED: the students a forced run has graded
 * so far, one name a line. Rerunning the forced run after an interrupt
 * keeps their rows instead of regrading everyone again; a forced run
 * that completes removes it. */
#define BATCH_FORCED "FORCED"
void batch_forced_done(struct batch *b, const struct student *s);
void batch_forced_finish(struct batch *b);

/* Students without a submission: their student-safe report, saying so. */
void batch_write_absent(struct batch *b);
/* <out>/student-reports/: the copies a TA forwards (single.c writes the children's). */
#define BATCH_STUDENT_REPORTS "student-reports"
/* The signals the batch takes synchronously: SIGCHLD, SIGINT, SIGTERM, SIGHUP. */
void batch_signals(sigset_t *set);
/* "1m05s", "12s", "2h03m": an ETA or elapsed time, into out. */
void format_duration(char *out, size_t n, double seconds);
/* One progress line, no newline: "[k/n] name: what; R/min, ETA T"
 * (elapsed: seconds since this run started grading; k >= 1). */
void progress_line(struct buf *b, int k, int n, double elapsed, const char *name, const char *what);

/* batch_stats.c: a row's causes and warnings into s (from student_take_row;
 * s->cause is allocated there, freed with the batch), and forgotten (from
 * student_reset). */
void student_take_causes(struct batch *b, struct student *s, const struct row *r);
void student_reset_causes(struct batch *b, struct student *s);
/* batch_stats.c: the summary (counts, scores, the scenarios failed most,
 * and why: the causes of each). */
void batch_summary(const struct batch *b);
/* batch_dashboard.c: the class page beside the gradebook (<csv>.html). 0 or -1. */
char *batch_dashboard_path(const struct batch *b);
int batch_dashboard(const struct batch *b);
/* The total of the scenarios' points. */
int batch_max(const struct batch *b);

#endif
