/*
 * tree.c — iterative walks of a box's scratch tree (see tree.h).
 *
 * A frame per level holds the names of the subdirectories still to visit;
 * the walk goes down with openat(name) and back up with openat(".."), so
 * neither the depth nor RLIMIT_NOFILE bounds it: at most two fds are open.
 */
#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct frame {
	char **names;           /* subdirs still to visit */
	size_t n, cap, next;
	char *self;             /* this dir's name in its parent (NULL at the root) */
};

struct walk {
	struct frame *v;
	size_t depth, cap;
	int fd;                 /* the current dir */
	int remove;             /* 1: delete as we go; 0: measure */
	struct tree_usage u;
	size_t max_bytes;
	long max_entries;
	int err;
};

static int push_name(struct frame *f, const char *name)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 8;
		char **v = realloc(f->names, cap * sizeof *v);
		if (!v)
			return -1;
		f->names = v;
		f->cap = cap;
	}
	if (!(f->names[f->n] = strdup(name)))
		return -1;
	f->n++;
	return 0;
}

static void frame_free(struct frame *f)
{
	for (size_t i = f->next; i < f->n; i++)
		free(f->names[i]);
	free(f->names);
	free(f->self);
	memset(f, 0, sizeof *f);
}

static int is_dir(int dfd, struct dirent *e, struct stat *st, int *have_st)
{
	*have_st = 0;
	if (e->d_type != DT_UNKNOWN)
		return e->d_type == DT_DIR;
	if (fstatat(dfd, e->d_name, st, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;
	*have_st = 1;
	return S_ISDIR(st->st_mode);
}

/* Opens a subdir without following links; one the box made unreadable
 * (chmod 0) gets 0700 back first: the box must not hide its files. */
static int open_dir(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES && fchmodat(dfd, name, 0700, 0) == 0)
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

static int over(const struct walk *w)
{
	return !w->remove && (w->u.bytes > w->max_bytes || w->u.entries > w->max_entries);
}

/* One pass over the current dir: counts or unlinks what isn't a dir, removes
 * empty dirs, and queues the others in frame f. */
static void scan(struct walk *w, struct frame *f)
{
	int lfd = dup(w->fd);
	DIR *d = lfd >= 0 ? fdopendir(lfd) : NULL;
	if (!d) {
		if (lfd >= 0)
			close(lfd);
		w->err = w->err ? w->err : errno;
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) && !over(w)) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct stat st;
		int have_st, dir = is_dir(w->fd, e, &st, &have_st);
		if (!w->remove) {
			w->u.entries++;
			if (have_st || fstatat(w->fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
				w->u.bytes += (size_t)st.st_blocks * 512;
			if (dir && push_name(f, e->d_name) != 0)
				w->err = ENOMEM;
		} else if (!dir) {
			if (unlinkat(w->fd, e->d_name, 0) != 0 && !w->err)
				w->err = errno;
		} else if (unlinkat(w->fd, e->d_name, AT_REMOVEDIR) != 0 &&
			   push_name(f, e->d_name) != 0) {
			w->err = ENOMEM;
		}
	}
	closedir(d);
}

static int push_frame(struct walk *w, char *self)
{
	if (w->depth == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		struct frame *v = realloc(w->v, cap * sizeof *v);
		if (!v)
			return -1;
		w->v = v;
		w->cap = cap;
	}
	w->v[w->depth] = (struct frame){ .self = self };
	w->depth++;
	scan(w, &w->v[w->depth - 1]);
	return 0;
}

/* Down into the top frame's next subdir; 0 when there was none. */
static int descend(struct walk *w)
{
	struct frame *f = &w->v[w->depth - 1];
	while (f->next < f->n && !over(w)) {
		char *name = f->names[f->next++];
		if (w->remove)
			fchmodat(w->fd, name, 0700, 0);   /* emptying needs write access too */
		int fd = open_dir(w->fd, name);
		if (fd < 0) {
			w->err = w->err ? w->err : errno;
			free(name);
			continue;
		}
		close(w->fd);
		w->fd = fd;
		if (push_frame(w, name) != 0) {
			free(name);
			w->err = ENOMEM;
			return 0;
		}
		return 1;
	}
	return 0;
}

/* Up from a finished frame (not the root), removing it when asked. */
static int ascend(struct walk *w)
{
	struct frame *f = &w->v[w->depth - 1];
	int up = openat(w->fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (up < 0)
		return -1;
	close(w->fd);
	w->fd = up;
	if (w->remove && unlinkat(w->fd, f->self, AT_REMOVEDIR) != 0 && !w->err)
		w->err = errno;
	frame_free(f);
	w->depth--;
	return 0;
}

static int walk(struct walk *w, const char *path)
{
	w->fd = open_dir(AT_FDCWD, path);
	if (w->fd < 0)
		return -1;
	int rc = push_frame(w, NULL);
	while (rc == 0 && w->depth > 0) {
		if (descend(w))
			continue;
		if (w->depth == 1 || ascend(w) != 0)
			break;
	}
	while (w->depth > 0)
		frame_free(&w->v[--w->depth]);
	free(w->v);
	close(w->fd);
	return rc;
}

int tree_measure(const char *path, size_t max_bytes, long max_entries, struct tree_usage *u)
{
	struct walk w = { .max_bytes = max_bytes, .max_entries = max_entries };
	int rc = walk(&w, path);
	*u = w.u;
	if (rc != 0)
		return -1;
	return over(&w) ? 1 : 0;
}

int tree_remove(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	chmod(path, 0700);
	/* a second pass catches what a failed first one left (e.g. a chmod race) */
	for (int pass = 0; pass < 2; pass++) {
		struct walk w = { .remove = 1 };
		walk(&w, path);
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
	}
	return -1;
}
