/*
 * grade.h — the results of one grading, as the grading core (grading.c)
 * assembles them and the reports (report/) render them.
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
	int diag;                 /* 1-based into g->diag: a diagnosis at the top covers it; 0: none */
};

struct diag_hit;              /* diagnose.h */

struct grading {
	const char *submission;   /* as given on the command line */
	const char *lab;
	const char *lab_dir;      /* the lab's folder name (kit's --lab): guests/<lab_dir>/ */
	const char *program;      /* the VMM's name as students run it ("sample-qemu") */
	const char *layer;        /* box_layer() */
	const char *backend_desc; /* "kvm", "emu", "auto → emu (/dev/kvm: ...)" */
	unsigned long seed;
	int has_random;           /* any scenario uses the seed */
	int public_only;
	const char *subset;       /* --scenario: " (partial: K of N scenarios: ...)" after the score, else NULL */
	const char *rejected;     /* intake refused the submission: its cause ("symlink", ...);
				     graded 0, final, nothing built or run */
	struct build_result build;
	struct sc_result *res;
	int n;
	int score, max;           /* score: after the penalty */
	int penalty;              /* lab.conf's warning_penalty, taken (the build warned) */
	int grader_errors;        /* scenarios that failed for a reason not the student's */
	double elapsed_s;
	int *order;               /* the lab's teaching order: indices of res (NULL: as res is) */
	struct diag_hit *diag;    /* the lab's diagnoses that fired (diagnose.h), ndiag of them */
	int ndiag;
};

#endif
