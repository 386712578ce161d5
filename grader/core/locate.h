/*
 * locate.h — which file of a submission folder is graded: one rule for
 * `grade FOLDER`, every student folder of `grade --batch`, and so for the
 * Gradescope, PrairieLearn and Autolab bundles, which hand the grader the
 * folder the platform unpacked (a file in a subfolder gets the same answer
 * everywhere):
 *
 *   1. the lab's source (sample-qemu.c) at the top of the folder, whatever
 *      it is (intake then judges it: a symlink there is refused, not skipped);
 *   2. else the only regular file of that name anywhere below;
 *   3. else the only regular *.c file anywhere below;
 *   4. else nothing: "no .c file", or "several .c files" naming them.
 *
 * The walk never follows a symbolic link, skips nothing else, stops at
 * LOCATE_MAX_DEPTH levels and LOCATE_MAX_ENTRIES entries (a folder bigger
 * than that is refused, never half-searched).
 */
#ifndef VIRTLAB_LOCATE_H
#define VIRTLAB_LOCATE_H

#include <stddef.h>

#include "intake.h"

#define LOCATE_MAX_DEPTH 8
#define LOCATE_MAX_ENTRIES 10000

/* Finds the submission in the folder dirfd (not closed) for a lab whose
 * source is `source`: LOCATE_FOUND with *rel (malloc'd, relative to the
 * folder), else why says it as the end of "it is a folder ..." (student-
 * visible: names are escaped): LOCATE_NONE, no .c file at all (a student
 * without a submission); LOCATE_REFUSED, several candidates or a folder too
 * big to search, or one that could not be read. */
enum { LOCATE_FOUND = 0, LOCATE_NONE = -1, LOCATE_REFUSED = -2 };
int locate_submission(int dirfd, const char *source, char **rel, char *why, size_t whylen);

/* Opens rel (from locate_submission) below dirfd as intake_open does, each
 * folder on the way with O_NOFOLLOW: the fd, or -1 with in->status. */
int locate_open(int dirfd, const char *rel, struct intake *in);

#endif
