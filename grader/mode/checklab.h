/*
 * checklab.h — `grade --check-lab` (`make check-lab`): proves a lab's
 * scenario suite before anyone is graded with it. check-lab is "grade N
 * programs with the grading core (core/grading.h), then analyse kills":
 *
 *   checklab.c         setup, the scenarios (every header and image checked), main
 *   checklab_vmms.c    the programs: reference, skeleton, every mutant of
 *                      labs/<lab>/mutants/ spliced by the lab's rule (splice.h:
 *                      a handler into the skeleton, or regions into the reference);
 *                      built through the core's build cache, in parallel
 *   checklab_runs.c    every (program, column) run and judged by the core; the
 *                      reference's runs make the expectations (pins: expect.h)
 *   checklab_report.c  notes, the kill matrix, the one-line summary
 *   checklab_mutate.c  --mutate: generated mutants of the reference's student
 *                      code instead of labs/<lab>/mutants/, survivors listed
 *
 * Fails, one `error:` line per problem, unless: every scenario file is
 * valid and assembles; the reference passes every scenario and meets every
 * pin (expect-stdout, expect-exit); the untouched skeleton scores 0; every
 * mutant fails at least one scenario.
 *
 * Something must have been checked: a run where every scenario was compared
 * with nothing is a failure, never OK.
 *
 * Exit status: 0 the suite holds (warnings allowed), 1 it does not (a pin
 * the reference doesn't meet is always the lab's), 2 usage or setup error,
 * or only environment errors (a sandbox failure: nothing could be concluded).
 */
#ifndef VIRTLAB_CHECKLAB_H
#define VIRTLAB_CHECKLAB_H

#include <limits.h>

#include "cli.h"
#include "grading.h"
#include "kit.h"
#include "splice.h"

#define CL_EXIT_BAD_LAB 1
#define CL_WHY_LEN 600
#define CL_CAUSE_LEN 512   /* struct verdict's cause */

enum vmm_kind { V_REF, V_SKEL, V_MUTANT };

/* One program under test. */
struct vmm {
	enum vmm_kind kind;
	char *name;        /* "reference", "skeleton", or the mutant's name */
	char *file;        /* what messages blame */
	char *desc;        /* a mutant's line 1, without the "// " */
	char *src;         /* what is compiled */
	struct splice_map map[SPLICE_MAX_REGIONS];   /* mutants: src's lines from the mutant file */
	int nmap;
	/* --mutate (checklab_mutate.c): made by an operator, the reference's line
	 * `line` (mut_orig) replaced by mut_text */
	int generated, line;
	char *mut_orig, *mut_text;
};

/* A column of the matrix: a scenario on a backend. */
struct col {
	int sc;
	enum backend be;
};

/* Filled by the workers: MAP_SHARED memory. */
struct build_slot {
	int done, ok, sandbox_failed;
	char bin[PATH_MAX];
	char why[CL_WHY_LEN];     /* the compiler's first error */
	char diag[4096];          /* the start of its output */
};

struct cell {
	int ran, pass, grader_error;
	char cause[CL_CAUSE_LEN];
};

enum severity { SEV_WARN, SEV_ERROR };

/* A problem or a warning, one line; backends it was seen on (bitmask). */
struct note {
	enum severity sev;
	int env;          /* the grader's environment, not the lab (exit 2) */
	unsigned mask;
	char *text;
};

struct cl {
	const struct cli *opt;
	int jobs;
	struct kit kit;
	struct core core;         /* the lab, scenarios, images, cache, work dir */
	struct vmm *v;            /* v[0] reference, v[1] skeleton, then mutants */
	int nv;
	enum backend be[2];
	int nbe;
	struct col *col;
	int ncol;
	char *mutants_out;        /* --write-mutants, absolute */
	struct build_slot *build; /* shared, per vmm */
	struct cell *cell;        /* shared, nv × ncol */
	struct run_outcome *ref;  /* per column */
	struct expectation *exp;  /* per column: what grading would expect */
	struct note *note;
	int nnote;
	int equivalent;           /* --mutate: generated mutants recorded as equivalent */
};

#define CELL(c, v, k) (&(c)->cell[(size_t)(v) * (size_t)(c)->ncol + (size_t)(k)])

/* checklab_report.c: notes (one line each; the same text on another
 * backend only widens its mask) and the printed report. */
unsigned cl_be_bit(enum backend b);
void cl_error(struct cl *c, unsigned mask, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cl_warn(struct cl *c, unsigned mask, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error that is the grader's environment's (a sandbox failure, a dead
 * worker, a backend that can't run what the other runs), not the lab's: it
 * alone makes the exit status 2; any error of the lab's makes it 1. */
void cl_env_error(struct cl *c, unsigned mask, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int cl_count_notes(const struct cl *c, enum severity sev);
void cl_print_header(const struct cl *c);
void cl_print_matrix(const struct cl *c);
/* warnings, errors, the last line; returns the exit status. */
int cl_summary(struct cl *c, double t0);

/* checklab_vmms.c */
void *cl_zalloc(size_t n);
void *cl_shared_zalloc(size_t n);
typedef void job_fn(struct cl *c, int job);
/* job(c, 0..njobs-1) in forked workers; the number of workers that died. */
int cl_parallel(struct cl *c, int njobs, job_fn *job);
void cl_load_vmms(struct cl *c);
void cl_build_all(struct cl *c);

/* checklab_runs.c */
int cl_qualify_backends(struct cl *c);
void cl_make_columns(struct cl *c);
unsigned cl_col_mask(const struct cl *c, int k);
void cl_run_reference(struct cl *c);
void cl_run_others(struct cl *c);
int cl_killed(const struct cell *cell);
int cl_scenario_kills(const struct cl *c, int s);
void cl_check_kills(struct cl *c);

/* checklab_mutate.c */
void cl_generate_mutants(struct cl *c, const char *ref, const char *solpath);
void cl_run_generated(struct cl *c);
char *cl_equivalents_path(const struct cl *c);

#endif
