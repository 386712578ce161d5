/* util.c — see util.h. */
#include "util.h"
#include "tree.h"   /* rm_rf: the sandbox's tree walk */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fputs("grade: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("grade: out of memory\n", stderr);
		abort();
	}
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xmalloc(n), s, n);
}

char *xasprintf(const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	b.p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b.p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return b.p;
}

char *path_join(const char *a, const char *b)
{
	return xasprintf("%s/%s", a, b);
}

char *path_sibling(const char *path, const char *name)
{
	const char *slash = strrchr(path, '/');
	return slash ? xasprintf("%.*s/%s", (int)(slash - path), path, name) : xstrdup(name);
}

static void buf_reserve(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void buf_add(struct buf *b, const void *data, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *buf_str(struct buf *b)
{
	if (!b->p)
		buf_add(b, "", 0);
	return b->p;
}

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void hash_init(struct hash *h, const char *recipe)
{
	sha256_init(&h->ctx);
	hash_str(h, recipe);
}

void hash_add(struct hash *h, const void *data, size_t n)
{
	sha256_update(&h->ctx, n, data);
}

void hash_str(struct hash *h, const char *s)
{
	hash_add(h, s ? s : "", strlen(s ? s : "") + 1);
}

struct digest hash_digest(const struct hash *h)
{
	struct sha256_ctx c = h->ctx;   /* sha256_digest resets the context it is given */
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_digest(&c, sizeof d, d);
	struct digest out;
	for (size_t i = 0; i < sizeof d; i++)
		snprintf(out.hex + 2 * i, 3, "%02x", d[i]);
	return out;
}

char *read_file(const char *path, size_t *len, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = errno ? errno : EINVAL;
		if (S_ISDIR(st.st_mode))
			e = EISDIR;
		close(fd);
		errno = e;
		return NULL;
	}
	struct buf b = {0};
	char chunk[65536];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			buf_free(&b);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		if (b.len + (size_t)r > max) {
			close(fd);
			buf_free(&b);
			errno = EFBIG;
			return NULL;
		}
		buf_add(&b, chunk, (size_t)r);
	}
	close(fd);
	buf_str(&b);
	if (len)
		*len = b.len;
	return b.p;
}

int hash_file(const char *path, struct hash *h)
{
	size_t n;
	char *data = read_file(path, &n, (size_t)1 << 30);
	if (!data)
		return -1;
	hash_add(h, data, n);
	free(data);
	return 0;
}

int hash_files(const char *dir, const char *suffix, struct hash *h, char *err, size_t errlen)
{
	char **names;
	int n = list_suffix(dir, suffix, &names);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		char *path = path_join(dir, names[i]);
		hash_str(h, names[i]);
		if (rc == 0 && hash_file(path, h) < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			rc = -1;
		}
		free(path);
	}
	free_names(names, n);
	return rc;
}

static int write_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* For a path that isn't a regular file (/dev/stdout, a FIFO, /dev/null):
 * rename() would replace the device or pipe itself, so write into it. */
static int write_in_place(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, data, n);
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

int write_atomic(const char *path, const void *data, size_t n, int mode)
{
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_in_place(path, data, n);
	/* pid + a counter: parallel graders share the cache, so the temporary
	 * name must be unique, and rename() makes the final file appear whole. */
	static unsigned seq;
	char *tmp = xasprintf("%s.tmp.%ld.%u", path, (long)getpid(), seq++);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	int rc = write_all(fd, data, n);
	if (fchmod(fd, (mode_t)mode) < 0)
		rc = -1;
	if (close(fd) < 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -1;
	if (rc < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
	}
	free(tmp);
	return rc;
}

int copy_atomic(const char *from, const char *to, int mode)
{
	size_t n;
	char *data = read_file(from, &n, (size_t)1 << 30);
	if (!data)
		return -1;
	int rc = write_atomic(to, data, n, mode);
	free(data);
	return rc;
}

int mkdir_p(const char *path, int mode)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	int rc = mkdir(p, (mode_t)mode);
	free(p);
	return rc < 0 && errno != EEXIST ? -1 : 0;
}

/* The sandbox's walk (sandbox/tree.c): iterative, any depth (a killed
 * child's TMPDIR may be deeper than PATH_MAX), two fds, no link followed. */
void rm_rf(const char *path)
{
	tree_remove(path);
}

double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int setup_error_as(const char *who, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", who);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return EXIT_SETUP;
}

int parse_seconds(const char *s, double max, double *out)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	double d = strtod(s, &end);
	if (errno || *end || !(d > 0) || d > max)
		return -1;
	*out = d;
	return 0;
}

char *str_trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && !strcmp(s + n - m, suffix);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int list_suffix(const char *dir, const char *suffix, char ***names)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	char **v = NULL;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !ends_with(e->d_name, suffix))
			continue;
		v = xrealloc(v, (size_t)(n + 1) * sizeof *v);
		v[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(v, (size_t)n, sizeof *v, cmp_str);
	*names = v;
	return n;
}

void free_names(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static char start_dir[PATH_MAX];

void remember_start_dir(void)
{
	if (!getcwd(start_dir, sizeof start_dir))
		start_dir[0] = '\0';
}

char *caller_path(const char *p)
{
	char cwd[PATH_MAX];
	if (!p || p[0] == '/')
		return p ? xstrdup(p) : NULL;
	if (start_dir[0])
		return path_join(start_dir, p);
	return getcwd(cwd, sizeof cwd) ? path_join(cwd, p) : xstrdup(p);
}

/* dir to 0700 when it is ours, and its parent when that is <build>/cache:
 * a cache made before this rule was 0755. */
static void private_dir(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) == 0 && st.st_uid == geteuid())
		chmod(dir, 0700);
	char *parent = xstrdup(dir), *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = 0;
		const char *base = strrchr(parent, '/');
		if (!strcmp(base ? base + 1 : parent, "cache") && stat(parent, &st) == 0 &&
		    st.st_uid == geteuid())
			chmod(parent, 0700);
	}
	free(parent);
}

int make_work_dirs(const char *prefix, const char *cache, char **workdir, char **cachedir)
{
	const char *tmp = getenv("TMPDIR");
	char *w = xasprintf("%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
	if (!mkdtemp(w)) {
		int e = errno;
		free(w);
		errno = e;
		return -1;
	}
	/* The grader's alone (0700): the reference's build and outputs are there,
	 * and a box of another uid (grading as root) must not reach them. */
	char *c = xstrdup(cache);
	if (mkdir_p(c, 0700) < 0 || access(c, W_OK) < 0) {
		free(c);
		c = path_join(w, "cache");
		mkdir_p(c, 0700);
	}
	private_dir(c);
	*workdir = w;
	*cachedir = c;
	return 0;
}

void remove_work_dirs(char **workdir, char **cachedir)
{
	if (*workdir)
		rm_rf(*workdir);
	free(*workdir);
	free(*cachedir);
	*workdir = *cachedir = NULL;
}

int seed_read(const char *path, unsigned long *seed)
{
	char *t = read_file(path, NULL, 64);
	int rc = -1;
	if (t) {
		t[strcspn(t, " \t\n")] = '\0';
		rc = parse_ulong(t, SEED_MAX, seed);
	}
	free(t);
	return rc;
}
