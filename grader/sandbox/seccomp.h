/*
 * seccomp.h — the box's seccomp filter, one builder for both layers.
 *
 * The fallback installs it itself (prctl) right before exec; the bubblewrap
 * layer hands the same program to bwrap (--seccomp FD), which installs it
 * right before exec'ing the program.  Both deny what a VMM or a compiler never
 * needs and an escape would; the fallback, having no pid namespace, also
 * confines kill/tkill/tgkill (see box_filter_opts).
 */
#ifndef VIRTLAB_SANDBOX_SECCOMP_H
#define VIRTLAB_SANDBOX_SECCOMP_H

#include <sys/types.h>

struct box_filter_opts {
	/* > 0: kill/tkill/tgkill may only target pid 0 (own group) or pids >=
	 * this one (the box leader's: its descendants are younger).  0: any
	 * pid > 0 (the bwrap box has its own pid namespace).  Never -1 or
	 * another process group. */
	pid_t min_signal_pid;
};

/* Number of instructions box_filter_build() may write. */
#define BOX_FILTER_MAX 256

/* Writes the filter into f[BOX_FILTER_MAX]; returns its length, or -1 with
 * errno = ENOSYS where there is no filter for this architecture. */
struct sock_filter;
int box_filter_build(struct sock_filter *f, const struct box_filter_opts *o);

/* Installs the filter on the calling thread (needs no_new_privs). */
int box_filter_install(const struct box_filter_opts *o);

/* A memfd holding the filter as bwrap's --seccomp reads it (raw sock_filter
 * array), at offset 0, not close-on-exec; -1 on error or ENOSYS. */
int box_filter_memfd(const struct box_filter_opts *o);

#endif
