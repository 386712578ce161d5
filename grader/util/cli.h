/*
 * cli.h — the command line of every mode of `grade`, parsed in one place
 * (HACKING.md, "The grade program", "grade --check-lab", "grade --batch"):
 *
 *   grade [grading options] SUBMISSION.c          one submission (mode/single.c)
 *   grade --batch DIR [batch options]             a class (mode/batch.c)
 *   grade --check-lab [check-lab options]         the lab's suite (mode/checklab.c)
 *   grade --lab-info [--lab NAME]                 what make needs of a lab (mode/labinfo.c)
 *
 * Every mode takes --root DIR, --build DIR and --lab NAME (kit.h); an option
 * that is not its mode's is refused as unknown, with the mode's usage.
 */
#ifndef VIRTLAB_CLI_H
#define VIRTLAB_CLI_H

#include "run.h"

enum cli_mode { MODE_GRADE, MODE_BATCH, MODE_CHECKLAB, MODE_LAB_INFO };

struct cli {
	enum cli_mode mode;
	const char *who;             /* prefix of its messages: "grade", "grade --check-lab" */
	/* the kit (kit.h) */
	const char *root, *build, *lab;
	/* how to run */
	enum backend backend;
	const char *backend_word;    /* as given ("auto" by default): a batch row's key */
	int all_backends;            /* check-lab: --backend all (its default) */
	unsigned long seed;
	int seed_given;
	/* grading: one submission, and each student of a batch */
	const char *format, *expect_dir, *json, *write_expect, *submission;
	int public_only;
	const char *scenarios;       /* --scenario LIST: grade only these (comma-separated); NULL: all */
	int submission_fd;           /* --submission-fd N (from grade --batch), else -1 */
	const char *row, *row_key;   /* --row FILE --row-key KEY (from grade --batch): the batch row */
	const char *lang;            /* --lang en|zh (lang.h), else NULL: the environment's */
	const char *student_report;  /* --student-report FILE: the student-safe report */
	/* batch */
	const char *batch_dir, *csv, *out;
	int jobs;                    /* batch, check-lab; 0: the mode's default */
	double deadline;             /* per student; 0: from the lab */
	const char **students;       /* --student NAME (repeatable): regrade exactly these */
	int nstudents;
	int force;                   /* --force: regrade every student, reuse nothing */
	/* check-lab */
	const char *write_mutants;
	int mutate;                  /* --mutate: generated mutants (checklab_mutate.c) */
};

/* Limits of --jobs per mode. */
#define CLI_BATCH_MAX_JOBS 256
#define CLI_CHECKLAB_MAX_JOBS 64
/* check-lab's seed when none is given: fixed, so that it is reproducible. */
#define CLI_CHECKLAB_SEED 1

/* Parses argv into o (strings point into argv). Returns 0, or the exit
 * status (a message and usage on stderr; --help: usage on stdout, then
 * exit 0 is returned as -1). */
int cli_parse(int argc, char **argv, struct cli *o);
#define CLI_HELP (-1)

#endif
