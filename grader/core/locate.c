/* locate.c — see locate.h. */
#include "locate.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct found {
	const char *source;
	char **named, **c;     /* relative paths: files called source, *.c files */
	int nnamed, nc;
	int entries;
	int too_big;
};

static void push(char ***v, int *n, const char *path)
{
	*v = xrealloc(*v, (size_t)(*n + 1) * sizeof **v);
	(*v)[(*n)++] = xstrdup(path);
}

/* Walks the folder fd (closed here), prefix its path relative to the top. */
static int walk(int fd, const char *prefix, int depth, struct found *f)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (++f->entries > LOCATE_MAX_ENTRIES) {
			f->too_big = 1;
			break;
		}
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;   /* gone meanwhile */
		char *path = *prefix ? xasprintf("%s/%s", prefix, e->d_name) : xstrdup(e->d_name);
		if (S_ISREG(st.st_mode)) {
			if (!strcmp(e->d_name, f->source))
				push(&f->named, &f->nnamed, path);
			if (ends_with(e->d_name, ".c"))
				push(&f->c, &f->nc, path);
		} else if (S_ISDIR(st.st_mode)) {
			if (depth >= LOCATE_MAX_DEPTH) {
				f->too_big = 1;
			} else {
				int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (sub >= 0)
					rc = walk(sub, path, depth + 1, f);
			}
		}
		free(path);
	}
	closedir(d);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_list(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* "a folder with 2 .c files (a.c, b/c.c)<tail>" */
static void several(char *why, size_t whylen, char **v, int n, const char *what, const char *tail)
{
	struct buf b = {0};
	qsort(v, (size_t)n, sizeof *v, cmp_str);
	buf_addf(&b, "a folder with %d %s (", n, what);
	for (int i = 0; i < n && i < 5; i++) {
		buf_adds(&b, i ? ", " : "");
		esc_c(&b, v[i], strlen(v[i]));
	}
	buf_addf(&b, "%s)%s", n > 5 ? ", ..." : "", tail);
	snprintf(why, whylen, "%s", buf_str(&b));
	buf_free(&b);
}

int locate_submission(int dirfd, const char *source, char **rel, char *why, size_t whylen)
{
	struct stat st;
	*rel = NULL;
	if (fstatat(dirfd, source, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		*rel = xstrdup(source);
		return 0;
	}
	struct found f = { .source = source };
	int none = 0;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || walk(fd, "", 1, &f) < 0) {
		snprintf(why, whylen, "a folder that could not be read (%s)", strerror(errno));
	} else if (f.too_big) {
		snprintf(why, whylen, "a folder too big to search (over %d entries or %d levels): submit only your %s",
			 LOCATE_MAX_ENTRIES, LOCATE_MAX_DEPTH, source);
	} else if (f.nnamed == 1) {
		*rel = xstrdup(f.named[0]);
	} else if (f.nnamed > 1) {
		char *what = xasprintf("files named %s", source);
		several(why, whylen, f.named, f.nnamed, what, ": submit only one");
		free(what);
	} else if (f.nc == 1) {
		*rel = xstrdup(f.c[0]);
	} else if (f.nc > 1) {
		char *tail = xasprintf(", none named %s: submit only your %s", source, source);
		several(why, whylen, f.c, f.nc, ".c files", tail);
		free(tail);
	} else {
		snprintf(why, whylen, "a folder without %s or any other .c file", source);
		none = 1;
	}
	free_list(f.named, f.nnamed);
	free_list(f.c, f.nc);
	return *rel ? LOCATE_FOUND : none ? LOCATE_NONE : LOCATE_REFUSED;
}

int locate_open(int dirfd, const char *rel, struct intake *in)
{
	char *p = xstrdup(rel), *name = p, *slash;
	int dfd = dirfd, fd = -1;
	memset(in, 0, sizeof *in);
	while ((slash = strchr(name, '/'))) {
		*slash = '\0';
		int next = intake_open_dir(dfd, name, in);
		if (dfd != dirfd)
			close(dfd);
		if (next < 0)
			goto out;
		dfd = next;
		name = slash + 1;
	}
	fd = intake_open(dfd, name, in);
	if (dfd != dirfd)
		close(dfd);
out:
	free(p);
	return fd;
}
