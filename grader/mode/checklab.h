/*
 * checklab.h — `grade --check-lab` (`make check-lab`): proves a lab's
 * scenario suite before anyone is graded with it.
 *
 * Builds the reference, the skeleton and every mutant (labs/<lab>/mutants/,
 * spliced into the skeleton by splice.h's rule), runs every scenario on each
 * through the grading machinery (sandbox, backends, judge()), prints the kill
 * matrix and fails, one `error:` line per problem, unless: every scenario
 * file is valid and assembles; the reference passes every scenario and meets
 * every pin (expect-stdout, expect-exit); the untouched skeleton scores 0;
 * every mutant fails at least one scenario.
 *
 * Exit status: 0 the suite holds (warnings allowed), 1 it does not,
 * 2 usage or setup error (or a sandbox failure: nothing could be concluded).
 */
#ifndef VIRTLAB_CHECKLAB_H
#define VIRTLAB_CHECKLAB_H

/* 1 when the command line asks for --check-lab (before any "--"). */
int checklab_requested(int argc, char **argv);

/* The whole of `grade --check-lab ...`; returns the exit status. */
int checklab_main(int argc, char **argv);

#endif
