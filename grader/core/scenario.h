/*
 * scenario.h — scenarios: discovery under guests/<lab>/, the `; key: value`
 * header (HACKING.md, "Scenario files"), and assembling guests into a cache.
 */
#ifndef VIRTLAB_SCENARIO_H
#define VIRTLAB_SCENARIO_H

#include <stddef.h>

enum exit_class { EXIT_UNSET = 0, EXIT_SUCCESS_CLASS, EXIT_ERROR_CLASS };

/* The one place exit classes are named: "success" / "error" (headers'
 * expect-exit, expect-dir .exit files, check-lab's messages). */
const char *exit_class_word(enum exit_class c);
/* "success" or "error" (the whole of w) → *c. 0, or -1. */
int exit_class_parse(const char *w, enum exit_class *c);
/* How a report says what was expected: "exit status 0", "an error exit
 * with a message on stderr". */
const char *exit_class_phrase(enum exit_class c);

/* Which failures a scenario's hint is about (`hint-on`): any; only a wrong
 * ending (exit class, signal, time limit); only a wrong stdout. */
enum hint_on { HINT_ON_ANY = 0, HINT_ON_EXIT, HINT_ON_OUTPUT };

struct scenario {
	char *name;          /* file name without .asm */
	char *path;          /* as given to nasm and shown in messages */
	char *title;
	char *title_zh;      /* title-zh: the title in Chinese (lang.h), NULL if none */
	int points;
	int hidden;          /* visibility: hidden */
	int emu_only;        /* backend: emu */
	char **emu_env;      /* "KVMEMU_X=v" strings, NULL-terminated (NULL if none) */
	int random;          /* random: yes → assembled with -DSEED=n */
	char *hint;          /* NULL if none */
	char *hint_zh;       /* hint-zh: the hint in Chinese (lang.h), NULL if none */
	enum hint_on hint_on; /* hint-on: which failures the hint is shown for */
	enum exit_class pin_exit;   /* expect-exit, or EXIT_UNSET */
	char *pin_out;       /* expect-stdout, unescaped; NULL if not pinned */
	size_t pin_out_len;
	double timeout;      /* the run's CPU budget, seconds (lab.h); 0: lab.conf's */
	unsigned long insn_budget; /* its guest instructions on kvmemu (lab.h); 0: lab.conf's */
	int *key_lines;      /* line of each header key, by scenario_key_line() */
};

/* The line of `; key:` in sc's header, or 1 (the header's top) when the
 * key is absent: where check-lab's messages point (file:line). */
int scenario_key_line(const struct scenario *sc, const char *key);

/* Parses the header of text (the contents of path). Returns 0, or -1 with
 * one line "path:line: what" in err. sc->name/path are set by the caller. */
int scenario_parse(const char *path, const char *text, struct scenario *sc, char *err, size_t errlen);

/* Unescapes a C-escaped string in double quotes (the whole of v). Returns a
 * malloc'd buffer and its length, or NULL with a reason in *why. */
char *unescape_c_quoted(const char *v, size_t *len, const char **why);

/* Finds and parses the .asm files of dir, sorted by name. dir is
 * relative to the current directory (the grader chdirs to root). Returns the
 * count (>= 0) or -1 with err set. */
int scenario_discover(const char *dir, struct scenario **out, char *err, size_t errlen);

/* The scenarios grading uses: scenario_discover(), without the hidden ones
 * when public_only (they are dropped entirely). Count (maybe 0) or -1. */
int scenario_load(const char *dir, int public_only, struct scenario **out, char *err, size_t errlen);

/* Seeds of `random: yes` scenarios: SEED_MAX and seed_read() in util.h. */
/* A fresh seed for a grading run or a batch, in 1..2000000000. */
unsigned long seed_fresh(void);

/* Assembles sc into cachedir and returns the image's path (malloc'd), or
 * NULL with nasm's diagnostics (which name file:line) in err. nasm gets the
 * scenario's folder as its include path (-I<dir>/), so a scenario can
 * `%include "x.inc"` a file beside it. The cache key is a hash of the source,
 * of every *.inc in the scenario's folder (names and contents) and of the
 * seed (random scenarios): editing, adding or removing an include assembles
 * again. Keep includes beside the scenarios and named *.inc. */
char *scenario_assemble(const struct scenario *sc, unsigned long seed, const char *cachedir,
			char *err, size_t errlen);

void scenario_free(struct scenario *sc);
void scenarios_free(struct scenario *v, int n);

#endif
