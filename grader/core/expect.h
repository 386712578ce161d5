/*
 * expect.h — what each scenario should print and how it should end: pinned
 * in the header, read from an --expect-dir, or the reference solution's run
 * on the same image, backend and knobs (cached under build/cache/<lab>/).
 */
#ifndef VIRTLAB_EXPECT_H
#define VIRTLAB_EXPECT_H

#include "lab.h"
#include "run.h"
#include "scenario.h"
#include "verdict.h"

struct expect_src {
	const struct lab *lab;
	const char *solution;     /* reference source, or NULL when absent */
	const char *expect_dir;   /* precomputed <scenario>.out/.exit, or NULL */
	const char *cachedir;     /* where the reference binary and results are kept */
	const char *workdir;      /* private scratch */
	/* state: the reference is built on first need, once */
	int ref_tried;
	char *ref_bin;
	char ref_why[600];
	int ref_grader_error;     /* the build failed for the sandbox's sake */
	struct digest ref_key;
};

/* Fills e for sc: spec describes the run (image, backend, knobs, limits;
 * its binary is ignored). Never fails: e->ok = 0 with e->why instead. */
void expect_get(struct expect_src *src, const struct scenario *sc, const struct run_spec *spec,
		struct expectation *e);

/* The reference's own run of sc (cached), pins not applied, whatever the
 * expect-dir: e->ok = 0 with why when there is no reference. */
void expect_reference(struct expect_src *src, const struct scenario *sc, const struct run_spec *spec,
		      struct expectation *e);

/* The one place that knows pins: sc's expect-exit and expect-stdout
 * replace what e (the reference's run, an expect-dir) says. */
void expect_apply_pins(const struct scenario *sc, struct expectation *e);

/* "success"/"error" text of a .exit file (also "0" / a status 1–125). */
int parse_exit_word(const char *text, enum exit_class *cls);

/* Writes <dir>/<name>.out and .exit with mode (0600 in the cache). 0 or -1. */
int expect_write(const char *dir, const char *name, const struct expectation *e, int mode);

void expect_src_free(struct expect_src *src);

#endif
