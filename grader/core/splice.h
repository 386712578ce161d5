/*
 * splice.h — the splice rule (HACKING.md, "Lab definition"): a handler body
 * goes between the lab's splice_label (`case KVM_EXIT_IO:` in cpu_lab) and
 * the start of the line of the next
 * `case`/`default` label, exactly where a student writes theirs. Used by
 * check-lab to turn labs/<lab>/mutants/<name>.c into a whole sample-qemu.c.
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

#endif
