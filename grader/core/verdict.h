/*
 * verdict.h — comparing a run with its expectation: pass, or a failure with
 * a named cause, and the first difference of the outputs.
 */
#ifndef VIRTLAB_VERDICT_H
#define VIRTLAB_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"
#include "util.h"
#include "scenario.h"

#define NO_DIFF SIZE_MAX
#define DIFF_CONTEXT 20   /* bytes shown each side of a first difference */

struct expectation {
	int ok;                 /* 0: none could be established (why says so) */
	enum exit_class cls;
	char *out;
	size_t out_len;
	const char *source;     /* "pinned", "reference", "expect-dir" */
	char why[512];
};

/* Why a scenario was lost, as a short code: results files, the batch row,
 * the gradebook and the batch summary carry it (cause_name: one table). */
enum cause {
	CAUSE_PASSED,         /* not lost */
	CAUSE_WRONG_OUTPUT,   /* ended as expected, stdout differs */
	CAUSE_WRONG_EXIT,     /* the wrong exit class (stdout may differ too) */
	CAUSE_NO_MESSAGE,     /* an error expected, exited 1–125 with nothing on stderr */
	CAUSE_SIGNAL,         /* killed by a signal */
	CAUSE_TIMEOUT,
	CAUSE_OUTPUT_FLOOD,
	CAUSE_MEMORY,         /* over the whole box's memory limit (killed, or stalled at it) */
	CAUSE_BUILD_FAILED,   /* the submission did not compile: nothing ran */
	CAUSE_REJECTED,       /* intake refused the submission: nothing built */
	CAUSE_SANDBOX,        /* grader error: the sandbox failed */
	CAUSE_GRADER_ERROR,   /* grader error: no expectation, no kvmemu, ... */
	CAUSE_COUNT
};

/* "wrong-output", "signal", ...: the code's one spelling. */
const char *cause_name(enum cause c);
/* The reverse; 0, or -1 for an unknown name. */
int cause_parse(const char *name, enum cause *c);
/* 1 for the causes that are not the student's. */
int cause_is_grader_error(enum cause c);

struct verdict {
	int pass;
	enum cause code;        /* CAUSE_PASSED when pass */
	int grader_error;       /* not the student's fault: sandbox, expectation */
	char cause[512];        /* one line; empty when passed */
	size_t diff_at;         /* first differing byte, or NO_DIFF */
};

/* Exit class of a run: success (exited 0), error (exited 1–125 with
 * something on stderr), or EXIT_UNSET for anything else. */
enum exit_class exit_class_of(const struct run_outcome *o);

/* exit_class_phrase() in the student's language (lang.h). */
const char *expected_phrase(enum exit_class c);

/* "exited 0", "killed by SIGSEGV", "timed out after 2 s", ... */
void describe_end(const struct run_outcome *o, char *buf, size_t len);
/* "SIGSEGV", or "signal 77". */
void signal_name(int sig, char *buf, size_t len);

/* Offset of the first difference, or NO_DIFF when a and b are identical. */
size_t first_diff(const char *a, size_t alen, const char *b, size_t blen);

/* Appends the first-difference report: expected vs got around `at`, C-escaped,
 * with a caret, each line prefixed by indent. */
void diff_report(struct buf *b, const char *indent, const char *exp, size_t elen,
		 const char *got, size_t glen, size_t at);

void judge(const struct expectation *e, const struct run_outcome *o, struct verdict *v);
/* Verdicts that don't come from a run: code says why (a grader error when
 * cause_is_grader_error), text the one line. */
void judge_not_run(struct verdict *v, enum cause code, const char *text);

void expectation_free(struct expectation *e);

#endif
