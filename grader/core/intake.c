/* intake.c — see intake.h. */
#include "intake.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Pseudo file systems whose "regular files" report a size they don't have
 * (/proc/self/pagemap: 0, yet 256 GiB of reads; /proc/kmsg blocks). */
#define PROC_MAGIC    0x9fa0
#define SYSFS_MAGIC   0x62656572
#define DEBUGFS_MAGIC 0x64626720
#define TRACEFS_MAGIC 0x74726163
#define SECFS_MAGIC   0x73636673

static int pseudo_fs(int fd)
{
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0)
		return 0;
	long t = (long)sf.f_type;
	return t == PROC_MAGIC || t == SYSFS_MAGIC || t == DEBUGFS_MAGIC || t == TRACEFS_MAGIC ||
	       t == SECFS_MAGIC;
}

static void set_status(struct intake *in, enum intake_status s, int err)
{
	in->status = s;
	in->err = err;
}

/* What open's errno means for a name opened with O_NOFOLLOW. */
static void open_failed(struct intake *in, int e)
{
	if (e == ELOOP)
		set_status(in, INTAKE_SYMLINK, 0);
	else if (e == ENOENT || e == ENOTDIR)
		set_status(in, INTAKE_MISSING, e);
	else if (e == ENXIO || e == ENODEV || e == EISDIR)
		set_status(in, INTAKE_NOT_REGULAR, 0);   /* a socket, a device without a driver */
	else
		set_status(in, INTAKE_UNREADABLE, e);
}

/* fstat checks, nothing read. 0 or -1 with in->status. */
static int check_fd(int fd, size_t cap, struct intake *in)
{
	if (fstat(fd, &in->st) < 0) {
		set_status(in, INTAKE_UNREADABLE, errno);
		return -1;
	}
	if (!S_ISREG(in->st.st_mode) || pseudo_fs(fd))
		set_status(in, INTAKE_NOT_REGULAR, 0);
	else if ((size_t)in->st.st_size > cap)
		set_status(in, INTAKE_TOO_BIG, 0);
	else
		set_status(in, INTAKE_OK, 0);
	return in->status == INTAKE_OK ? 0 : -1;
}

int intake_open(int dirfd, const char *name, struct intake *in)
{
	memset(in, 0, sizeof *in);
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		open_failed(in, errno);
		return -1;
	}
	if (check_fd(fd, INTAKE_MAX_BYTES, in) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int intake_read(int fd, size_t cap, struct intake *in)
{
	free(in->data);
	in->data = NULL;
	in->len = 0;
	if (check_fd(fd, cap, in) < 0)
		return -1;
	/* The size fstat gave is a hint only (the file may grow): the cap is
	 * enforced on what read() returns, never more than cap + 1 bytes. */
	char *p = xmalloc(cap + 2);
	size_t len = 0;
	while (len <= cap) {
		size_t want = cap + 1 - len;
		ssize_t r = pread(fd, p + len, want > 65536 ? 65536 : want, (off_t)len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			set_status(in, INTAKE_UNREADABLE, errno);
			free(p);
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > cap || len == 0) {
		set_status(in, len ? INTAKE_TOO_BIG : INTAKE_EMPTY, 0);
		free(p);
		return -1;
	}
	p[len] = '\0';
	in->data = p;
	in->len = len;
	return 0;
}

int intake_file(int dirfd, const char *name, struct intake *in)
{
	int fd = intake_open(dirfd, name, in);
	if (fd < 0)
		return -1;
	int rc = intake_read(fd, INTAKE_MAX_BYTES, in);
	close(fd);
	return rc;
}

int intake_open_dir(int dirfd, const char *name, struct intake *in)
{
	memset(in, 0, sizeof *in);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	int e = errno;
	if (e == ENOTDIR) {
		/* O_NOFOLLOW|O_DIRECTORY on a symlink may say ENOTDIR: ask lstat. */
		struct stat st;
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			e = ELOOP;
		else
			e = EISDIR;   /* "not a regular file" here reads "not a folder" */
	}
	open_failed(in, e);
	return -1;
}

const char *intake_cause(const struct intake *in)
{
	static char why[128];
	switch (in->status) {
	case INTAKE_OK: return "accepted";
	case INTAKE_MISSING: return "missing";
	case INTAKE_SYMLINK: return "symlink";
	case INTAKE_NOT_REGULAR: return "not a regular file";
	case INTAKE_TOO_BIG: return "over 1 MiB";
	case INTAKE_EMPTY: return "empty";
	case INTAKE_UNREADABLE:
		snprintf(why, sizeof why, "unreadable: %s", strerror(in->err));
		return why;
	}
	return "?";
}

int intake_refusal_is_final(const struct intake *in)
{
	return in->status == INTAKE_SYMLINK || in->status == INTAKE_NOT_REGULAR ||
	       in->status == INTAKE_TOO_BIG || in->status == INTAKE_EMPTY;
}

void intake_free(struct intake *in)
{
	free(in->data);
	in->data = NULL;
	in->len = 0;
}

const char *rejection_phrase(const char *cause)
{
	return !strcmp(cause, "symlink") ? "a symbolic link" : cause;
}
