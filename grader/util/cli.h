/*
 * cli.h — the options the modes of `grade` share (main.c: one submission,
 * batch.c: --batch, checklab.c: --check-lab), spelled once, so that a mode
 * can't drift from the others. Each is a run of `struct option` entries for
 * a longopts table; the values are the getopt codes every mode switches on.
 */
#ifndef VIRTLAB_CLI_H
#define VIRTLAB_CLI_H

#include <getopt.h>

/* Where the kit is and which lab, on which backend, with which seed. */
#define CLI_KIT_OPTIONS \
	{ "root", required_argument, 0, 'r' }, { "lab", required_argument, 0, 'l' }, \
	{ "backend", required_argument, 0, 'b' }, { "seed", required_argument, 0, 's' }, \
	{ "help", no_argument, 0, 'h' }

/* How a submission is graded: one grading and each student of a batch. */
#define CLI_GRADING_OPTIONS \
	{ "format", required_argument, 0, 'f' }, { "public-only", no_argument, 0, 'p' }, \
	{ "expect-dir", required_argument, 0, 'e' }

#define CLI_END { 0, 0, 0, 0 }

#endif
