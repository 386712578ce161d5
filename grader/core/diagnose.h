/*
 * diagnose.h — one diagnosis per root cause (issue 23): a lab's rules
 * (labs/<lab>/diagnoses) say which symptom, shared by several failed
 * scenarios, points to which likely cause and which handout section.
 * The grading core applies them (core_grade); the reports render them once,
 * at the top (report/diagnosis.c), and keep each covered scenario short.
 *
 * The file: `#` comments, then one block per rule, in the order they are
 * tried (a failure belongs to the first rule that fires for it):
 *
 *   [shutdown]                              the rule's name
 *   match = stderr "KVM_EXIT_SHUTDOWN"      the symptom (below)
 *   symptom = your program stopped at KVM_EXIT_SHUTDOWN (the guest triple-faulted)
 *   cause = the guest faulted before it printed: ...
 *   see = handout, "Debugging" and FAQ "KVM_EXIT_SHUTDOWN"
 *   symptom-zh = ...   cause-zh = ...   see-zh = ...   (optional: Chinese reports)
 *   min = 2                                 failures it needs to fire (default 2)
 *   expect = success                        only scenarios that expect this ending (default: any)
 *
 * Symptoms, tested on each failed scenario that ran (not a grader error):
 *   stderr "TEXT"        the program's stderr contains TEXT (C-escaped)
 *   stdout "TEXT"        the program's stdout is TEXT, all of it ("": it printed nothing)
 *   stdout-max N         the program printed at most N bytes on stdout
 *   case-only            stdout differs from the expected one only in ASCII letter case
 *   line "PREFIX" [+N]   stdout differs only on lines that start with PREFIX; with +N or -N,
 *                        each such line's number (after PREFIX) is the expected one + N
 *   exit-error           an error exit where the scenario expects exit status 0
 */
#ifndef VIRTLAB_DIAGNOSE_H
#define VIRTLAB_DIAGNOSE_H

#include <stddef.h>

#include "grade.h"

enum diag_match { DM_STDERR, DM_STDOUT, DM_STDOUT_MAX, DM_CASE_ONLY, DM_LINE, DM_EXIT_ERROR };

struct diag_rule {
	char *name;
	enum diag_match match;
	char *arg;              /* stderr's and stdout's TEXT, line's PREFIX (unescaped); NULL for the others */
	size_t arg_len;
	int has_delta;          /* line "PREFIX" +N */
	long delta;             /* line's +N; stdout-max's N */
	int min;                /* failures it needs to fire, >= 1 */
	enum exit_class expect; /* only scenarios expecting this ending; EXIT_UNSET: any */
	char *symptom, *symptom_zh, *cause, *cause_zh, *see, *see_zh;   /* -zh and see: NULL if none */
	int line;               /* its `[name]` line in the file */
};

struct diag_rules {
	struct diag_rule *r;
	int n;
};

/* One rule that fired in a grading: how many failures it covers, and the
 * first of them in teaching order (an index into g->res). */
struct diag_hit {
	const struct diag_rule *rule;
	int n;
	int first;
};

/* Parses text (the contents of path, used in messages). 0, or -1 with one
 * line "path:line: what" in err. */
int diag_parse(const char *path, const char *text, struct diag_rules *out, char *err, size_t errlen);
/* Reads path: no file is no rules (0). 0, or -1 with err. */
int diag_load(const char *path, struct diag_rules *out, char *err, size_t errlen);
void diag_rules_free(struct diag_rules *d);

/* 1 when the failed result r shows rule's symptom. Pure. */
int diag_matches(const struct diag_rule *rule, const struct sc_result *r);

/* Applies rules to g's results: each rule, in file order, takes the failures
 * not yet taken that show its symptom, and fires when they are at least its
 * min; then each of them gets res->diag (1-based into g->diag). Needs
 * g->order (or NULL: file order). Sets g->diag and g->ndiag (malloc'd). */
void diag_apply(const struct diag_rules *rules, struct grading *g);

/* Teaching order (lab.conf `order`: names, blank-separated): the indices of
 * res in that order, the unnamed ones after, in their own order. malloc'd. */
int *diag_order(const char *order, const struct sc_result *res, int n);

#endif
