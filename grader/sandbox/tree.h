/*
 * tree.h — walking a box's scratch tree: how big it is, and removing it.
 *
 * The tree was written by untrusted code: any depth (deeper than PATH_MAX,
 * deeper than the fds we may open), odd modes (0000 dirs), symlinks.  Both
 * walks are iterative, hold at most two fds at a time (the current dir and
 * its listing; up is openat(".."), down openat(name, O_NOFOLLOW)), never follow
 * a link, and keep the pending names in memory (bounded by what is there).
 */
#ifndef VIRTLAB_SANDBOX_TREE_H
#define VIRTLAB_SANDBOX_TREE_H

#include <stddef.h>

struct tree_usage {
	size_t bytes;           /* allocated bytes (st_blocks), every entry */
	long entries;           /* files, dirs, links... the root excluded */
};

/* Measures path, stopping early once bytes > max_bytes or entries >
 * max_entries (then the figures are lower bounds past the limit).
 * Returns 1 when over a limit, 0 when not, -1 when path can't be opened. */
int tree_measure(const char *path, size_t max_bytes, long max_entries, struct tree_usage *u);

/* Removes path and everything under it (chmod'ing dirs as needed).
 * Precondition: nothing else writes there any more.  Returns 0 when path is
 * gone, -1 otherwise (errno of the first failure). */
int tree_remove(const char *path);

#endif
