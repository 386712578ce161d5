/*
 * intake.h — how the grader accepts a submission from outside (DESIGN.md,
 * "Intake"). Every mode uses it: `grade SUBMISSION` (main.c), each entry of a
 * class folder (batch.c), check-lab's reference, skeleton and mutants
 * (checklab.c), and so the student tarball's `make check`.
 *
 * A submission is opened once, open(O_RDONLY|O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC)
 * (relative to a directory fd when it comes from a class folder), fstat'ed,
 * and read through that fd, at most INTAKE_MAX_BYTES + 1 bytes: a symlink,
 * anything but a regular file (FIFO, device, directory, socket, a file of
 * /proc or /sys, which lie about their size), a file over the cap, or an
 * empty one is refused with a one-word cause, before a single byte is read.
 * What was read is what gets graded: the path is never opened again.
 */
#ifndef VIRTLAB_INTAKE_H
#define VIRTLAB_INTAKE_H

#include <stddef.h>
#include <sys/stat.h>

#define INTAKE_MAX_BYTES ((size_t)1 << 20)   /* 1 MiB: a VMM is a few KiB */

enum intake_status {
	INTAKE_OK,
	INTAKE_MISSING,      /* ENOENT (a folder without the lab's source, a typo) */
	INTAKE_SYMLINK,      /* the name is a symbolic link: never followed */
	INTAKE_NOT_REGULAR,  /* FIFO, device, directory, socket, /proc or /sys file */
	INTAKE_TOO_BIG,      /* over INTAKE_MAX_BYTES (by fstat, or by what read returned) */
	INTAKE_EMPTY,        /* 0 bytes: nothing to grade */
	INTAKE_UNREADABLE,   /* open or read failed otherwise (EACCES, EIO): errno in err */
};

struct intake {
	enum intake_status status;
	int err;             /* errno for INTAKE_UNREADABLE */
	char *data;          /* INTAKE_OK: the bytes, NUL-terminated (malloc'd) */
	size_t len;
	struct stat st;      /* fstat of the opened file (when it opened) */
};

/* Opens dirfd/name (AT_FDCWD for a path) as above and checks what fstat
 * says. Returns the fd (O_CLOEXEC, caller closes) with in->status =
 * INTAKE_OK, or -1 with the refusal in in->status. Reads nothing. */
int intake_open(int dirfd, const char *name, struct intake *in);

/* Reads an fd from intake_open() (or one inherited from grade --batch):
 * fstat again (regular, not /proc, ≤ cap), then at most cap + 1 bytes.
 * 0 with in->data, or -1 with in->status set. Does not close fd. */
int intake_read(int fd, size_t cap, struct intake *in);

/* intake_open + intake_read + close. 0 or -1 (in->status says why). */
int intake_file(int dirfd, const char *name, struct intake *in);

/* Opens a student's folder dirfd/name without following a symlink:
 * a directory fd, or -1 with in->status (INTAKE_SYMLINK, _NOT_REGULAR
 * meaning "not a directory", _MISSING, _UNREADABLE). */
int intake_open_dir(int dirfd, const char *name, struct intake *in);

/* One line for a refusal: "symlink", "not a regular file", "over 1 MiB",
 * "empty", "missing", "unreadable: <strerror>". Static or in->... storage:
 * copy it before the next call. */
const char *intake_cause(const struct intake *in);

/* 1 when a refusal is the submission's own (a final grade of 0), 0 when it
 * is the grader's environment (missing or unreadable: a setup error). */
int intake_refusal_is_final(const struct intake *in);

/* A refusal's cause as the end of "it is ...": "a symbolic link", "empty". */
const char *rejection_phrase(const char *cause);

void intake_free(struct intake *in);

#endif
