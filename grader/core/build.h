/*
 * build.h — compiling a submission (or the reference) inside the sandbox.
 */
#ifndef VIRTLAB_BUILD_H
#define VIRTLAB_BUILD_H

#include <stdint.h>

#include "lab.h"
#include "util.h"

struct build_result {
	int ok;              /* 1: the binary exists */
	int sandbox_failed;  /* 1: the box itself failed (not the submission's fault) */
	char *binary;        /* host path of the built VMM (malloc'd) when ok */
	char *diag;          /* the compiler's diagnostics, paths as the student wrote them */
	char *excerpt;       /* the first errors, at most BUILD_EXCERPT_LINES lines; when ok,
				the first lines of the warnings (if any) */
	int warnings;        /* ok: how many "file:line:col: warning: ..." the compiler gave */
	double wall_s;
};

#define BUILD_EXCERPT_LINES 20
/* Caps on what of the compiler's output a report shows: a 240 KB source
 * line quoted by the compiler must not make a megabyte report. */
#define BUILD_EXCERPT_LINE_BYTES 300
#define BUILD_EXCERPT_TOTAL_BYTES 4096

/* Compiles src with the lab's flags into outdir/vmm, through box_run():
 * `cc` inside the box, the source copied to /box/<lab->source>, output to /out. */
void build_submission(const struct lab *lab, const char *src, const char *outdir,
		      struct build_result *res);
void build_result_free(struct build_result *res);

/* The build cache's key of src: its bytes, the lab's flags and source
 * name. 0, or -1 when src can't be read. */
int build_key(const struct lab *lab, const char *src, struct digest *key);
/* build_submission() through the cache, <cachedir>/vmm-<build_key>: the
 * one cache of built programs (the reference for expectations, check-lab's
 * programs). A hit has no diagnostics. A student's submission is not
 * cached (its report shows the compiler's words). */
void build_cached(const struct lab *lab, const char *src, const char *cachedir, const char *outdir,
		  struct build_result *res);

/* The first errors of a compiler's output: from the first line that reports
 * an error (or all of it when short), at most max lines, each cut at
 * BUILD_EXCERPT_LINE_BYTES, at most BUILD_EXCERPT_TOTAL_BYTES of lines in
 * all (then "..."). malloc'd. */
char *build_excerpt(const char *diag, int max);

/* How many lines of a compiler's output report a warning (": warning: "). */
int build_count_warnings(const char *diag);

/* The first line of a compiler's output that reports an error (else the
 * first that isn't gcc's "In function" context), one line into out:
 * what check-lab blames a file for. */
void build_first_error(const char *diag, char *out, size_t len);

/* Splits a flags string on blanks into argv words (no shell, no quotes). */
int split_words(const char *s, char ***out);
void free_words(char **v, int n);

#endif
