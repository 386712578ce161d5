/*
 * splice.h — the splice rules (HACKING.md, "Lab definition"), which turn
 * labs/<lab>/mutants/<name>.c into a whole program for check-lab. lab.conf's
 * `splice` picks one:
 *
 *   label    (cpu_lab) a handler body goes between the lab's splice_label
 *            (`case KVM_EXIT_IO:`) and the start of the line of the next
 *            `case`/`default` label, exactly where a student writes theirs;
 *            spliced into the skeleton.
 *   regions  (mem_lab) the students' code is in regions, each between two
 *            marker lines, alone on their line (leading blanks allowed):
 *            `/\* ---- TODO <id> begins ---- *\/` and the same with `ends`,
 *            <id> in [0-9a-z]+, each id once. A mutant is line 1
 *            `// description`, then sections: a line `//@ TODO <id>` and the
 *            lines that replace that region's body in the reference (regions
 *            it does not name keep the reference's body).
 */
#ifndef VIRTLAB_SPLICE_H
#define VIRTLAB_SPLICE_H

#include <stddef.h>

/* label: lab.conf's splice_label, "case KVM_EXIT_IO:" for cpu_lab. */

/* The body of src under label: [*start, *end), from just after the label to
 * the start of the line of the next label. 0, or -1 with why (the label is
 * missing or appears more than once, or nothing follows it; valid until the
 * next call). */
int splice_span(const char *src, const char *label, size_t *start, size_t *end, const char **why);

/* Line (1-based) of the first case/default label in text, or 0 if none: a
 * body holding one would end early under the splice rule. */
int splice_label_line(const char *text);

/* src with its KVM_EXIT_IO body replaced by body (a newline added at either
 * end when missing). malloc'd, or NULL with why. *body_line: the line of the
 * result that holds body's first line. */
char *splice_body(const char *src, const char *label, const char *body, int *body_line, const char **why);

/* Where a spliced program's lines come from, for messages: lines
 * [at, at + lines) of the program are the mutant file's lines from `from`. */
struct splice_map {
	int at, from, lines;
};

/* ---- regions ---------------------------------------------------------- */

#define SPLICE_ID_MAX 16      /* an id's bytes, with the NUL */
#define SPLICE_MAX_REGIONS 32

/* A region's body: [start, end), from the start of the line after the
 * `begins` marker to the start of the `ends` marker's line. */
struct splice_region {
	char id[SPLICE_ID_MAX];
	size_t start, end;
	int line;             /* of the `begins` marker */
};

/* The regions of src, in file order: 0 and *n, or -1 with why (naming a
 * line: a marker not alone on its line, a bad or repeated id, an `ends`
 * without its `begins`, a region left open or nested; valid until the next
 * call). *n = 0 is no error: the caller decides whether a file needs one. */
int splice_regions(const char *src, struct splice_region *r, int max, int *n, const char **why);

/* One `//@ TODO <id>` section of a mutant: its body, as lines of the file. */
struct splice_section {
	char id[SPLICE_ID_MAX];
	const char *body;     /* into the parsed text; not NUL-terminated */
	size_t len;
	int line;             /* the file line of the body's first line */
};

/* text: a mutant file after line 1 (its line 2 on). 0 and *n >= 1, or -1
 * with *line (of the file) and why: code before the first section, a bad
 * or repeated id, no section at all, a region marker inside a body. */
int splice_sections(const char *text, struct splice_section *s, int max, int *n, int *line,
		    const char **why);

/* src (whose regions are r[0..nr)) with each section's region body
 * replaced (a newline added at the end when missing). malloc'd, or NULL
 * with why (a section names no region of src). map: one entry per section. */
char *splice_apply(const char *src, const struct splice_region *r, int nr, const struct splice_section *s,
		   int ns, struct splice_map *map, const char **why);

/* The first line where a and b (each with its regions) differ outside the
 * region bodies, as a line of b; 0 when they are equal there (same ids in the
 * same order, markers included). */
int splice_outside_diff(const char *a, const struct splice_region *ra, int na, const char *b,
			const struct splice_region *rb, int nb);

#endif
