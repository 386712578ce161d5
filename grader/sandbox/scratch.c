/*
 * scratch.c — the per-run scratch dir: inputs copied in read-only, /out copied
 * back, and (for a layer without its own mount namespace) "/box" and "/out"
 * in argv/env rewritten to the scratch copies.  Removal is tree.c's (any
 * depth, few fds).
 */
#include "box.h"
#include "tree.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int path_in(char *dst, const char *a, const char *b)
{
	int n = snprintf(dst, PATH_MAX, "%s/%s", a, b);
	return (n < 0 || n >= PATH_MAX) ? -1 : 0;
}

void scratch_remove(struct scratch *s)
{
	if (s->root[0])
		tree_remove(s->root);
	s->root[0] = 0;
	for (size_t i = 0; i < s->nshown; i++) {
		free(s->shown[i]);
		free(s->shown_at[i]);
	}
	s->nshown = 0;
}

static int copy_fd(int in, int out)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			off += w;
		}
	}
}

/* A name for /box/<name>: one component. */
static int name_ok(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

/* A copy, not a link or an fd of the original: the box can't touch the source. */
static int copy_in(const struct box_file *f, const char *boxdir)
{
	if (!name_ok(f->name)) {
		errno = EINVAL;
		return -1;
	}
	int in = open(f->host_path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	struct stat st;
	if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(in);
		errno = EINVAL;
		return -1;
	}
	char dst[PATH_MAX];
	int out = -1, rc = -1;
	if (path_in(dst, boxdir, f->name) == 0)
		out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out >= 0 && copy_fd(in, out) == 0 &&
	    fchmod(out, (st.st_mode & 0111) ? 0555 : 0444) == 0)
		rc = 0;
	int e = errno;
	close(in);
	if (out >= 0)
		close(out);
	errno = e;
	return rc;
}

/*
 * May the box's uid open the regular file at real (a path without symlinks)?
 * Not ours to decide by access() as root: the box's uid is then a stranger
 * to every file of the kit (neither owner nor in its group), so the "other"
 * bits decide, of the file and of every dir above it (ACLs don't change
 * what applies to "other").  Otherwise the box runs as our uid.
 */
static int box_may_read(const char *real, const struct ident *id)
{
	struct stat st;
	if (stat(real, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	if (!id->drop)
		return access(real, R_OK) == 0;
	if (!(st.st_mode & S_IROTH))
		return 0;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", real);
	for (char *slash; (slash = strrchr(dir, '/')) && slash > dir;) {
		*slash = 0;
		if (stat(dir, &st) != 0 || !(st.st_mode & S_IXOTH))
			return 0;
	}
	return 1;
}

/*
 * A trusted input shown in place (struct box_file): box/<name> is an empty
 * placeholder that bwrap binds the file over, read-only, or, without a mount
 * namespace (s->rewrite), a symlink to it that the fallback's Landlock lets
 * the box read.  Returns 0 when shown, 1 when it must be copied instead, -1
 * on error.  Copied: past BOX_SHOWN_MAX, when the box's uid could not read it
 * where it is, and on the fallback when the box runs as our own uid: it would
 * own the file and could chmod it through the link (Landlock doesn't cover
 * chmod; bwrap's read-only bind refuses it).
 */
static int show_in(struct scratch *s, const struct box_file *f, const struct ident *id)
{
	if (!name_ok(f->name)) {
		errno = EINVAL;
		return -1;
	}
	if (s->rewrite && !id->drop)
		return 1;
	char *real = s->nshown < BOX_SHOWN_MAX ? realpath(f->host_path, NULL) : NULL;
	char dst[PATH_MAX];
	if (!real || !box_may_read(real, id) || path_in(dst, s->box, f->name) != 0) {
		free(real);
		return 1;
	}
	char *at = NULL;
	int rc;
	if (s->rewrite)
		rc = symlink(real, dst);
	else if ((rc = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444)) >= 0)
		rc = close(rc);
	if (rc < 0 || asprintf(&at, "/box/%s", f->name) < 0) {
		free(real);
		return -1;
	}
	s->shown[s->nshown] = real;
	s->shown_at[s->nshown++] = at;
	return 0;
}

/* The box's writable dirs belong to its uid; the inputs stay root's, read-only. */
static int scratch_own(const struct scratch *s, const struct ident *id)
{
	if (!id->drop)
		return 0;
	if (chmod(s->root, 0711) || chown(s->out, id->uid, id->gid) ||
	    chown(s->home, id->uid, id->gid) || chown(s->tmp, id->uid, id->gid))
		return -1;
	return 0;
}

int scratch_make(struct scratch *s, const struct box_req *req,
			const struct ident *id, struct box_result *res)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (snprintf(s->root, PATH_MAX, "%s/virtlab-box.XXXXXX", tmp) >= PATH_MAX ||
	    !mkdtemp(s->root)) {
		s->root[0] = 0;
		setup_fail(res, "mkdtemp", errno);
		return -1;
	}
	char abs[PATH_MAX];
	if (s->root[0] != '/' && realpath(s->root, abs))   /* a relative TMPDIR: bwrap and chdir need it whole */
		memcpy(s->root, abs, strlen(abs) + 1);
	if (path_in(s->box, s->root, "box") || path_in(s->out, s->root, "out") ||
	    path_in(s->home, s->root, "home") || path_in(s->tmp, s->root, "tmp") ||
	    mkdir(s->box, 0755) || mkdir(s->out, 0755) || mkdir(s->home, 0700) ||
	    mkdir(s->tmp, 0700) || scratch_own(s, id)) {
		setup_fail(res, "scratch dir", errno);
		return -1;
	}
	for (size_t i = 0; i < req->nfiles; i++) {
		const struct box_file *f = &req->files[i];
		int shown = f->trusted ? show_in(s, f, id) : 1;
		if (shown < 0 || (shown == 1 && copy_in(f, s->box) != 0)) {
			int e = errno;
			snprintf(res->diag, sizeof res->diag, "sandbox: copying %s: %s",
				 req->files[i].host_path ? req->files[i].host_path : "(null)",
				 strerror(e));
			res->cause = BOX_SETUP_FAIL;
			res->code = e;
			return -1;
		}
	}
	chmod(s->box, 0555);
	return 0;
}

/* Copies regular top-level files of the scratch /out back to req->outdir. */
int copy_out(const struct scratch *s, const char *outdir)
{
	DIR *d = opendir(s->out);
	if (!d)
		return -1;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		int in = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (in < 0)
			continue;
		struct stat st;
		if (fstat(in, &st) == 0 && S_ISREG(st.st_mode)) {
			char dst[PATH_MAX];
			int out = -1;
			if (path_in(dst, outdir, e->d_name) == 0) {
				unlink(dst);
				out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
					   (st.st_mode & 0111) ? 0755 : 0644);
			}
			if (out < 0 || copy_fd(in, out) != 0)
				rc = -1;
			if (out >= 0)
				close(out);
		}
		close(in);
	}
	closedir(d);
	return rc;
}

/* "/box/x" -> "<scratch>/box/x", "/out..." -> "<scratch>/out...", after an optional "K=".
 * Only without a mount namespace (s->rewrite); bwrap shows the real paths. */
static char *rewrite(const char *str, const struct scratch *s)
{
	if (!s->rewrite)
		return strdup(str);
	const char *eq = strchr(str, '=');
	const char *p = str;
	size_t pre = 0;
	if (eq && strncmp(str, "/box/", 5) && strncmp(str, "/out", 4)) {
		p = eq + 1;
		pre = (size_t)(p - str);
	}
	const char *base = NULL;
	size_t skip = 0;
	if (!strncmp(p, "/box/", 5) || !strcmp(p, "/box")) {
		base = s->box;
		skip = 4;
	} else if ((!strncmp(p, "/out", 4) && (p[4] == '/' || p[4] == 0))) {
		base = s->out;
		skip = 4;
	}
	char *r = NULL;
	if (!base)
		return strdup(str);
	if (asprintf(&r, "%.*s%s%s", (int)pre, str, base, p + skip) < 0)
		return NULL;
	return r;
}

void free_vec(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static size_t vec_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static int has_key(char *const *env, const char *key)
{
	size_t k = strlen(key);
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], key, k) && env[i][k] == '=')
			return 1;
	return 0;
}

char **build_argv(char *const *argv, const struct scratch *s)
{
	size_t n = vec_len(argv);
	char **v = calloc(n + 1, sizeof *v);
	for (size_t i = 0; v && i < n; i++)
		if (!(v[i] = rewrite(argv[i], s))) {
			free_vec(v);
			return NULL;
		}
	return v;
}

/* req->env + PATH, HOME and TMPDIR when the caller gave none. */
char **build_env(char *const *env, const struct scratch *s)
{
	size_t n = vec_len(env), k = 0;
	char **v = calloc(n + 4, sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(env[i], "PATH=", 5) && !(v[k++] = rewrite(env[i], s)))
			goto fail;
	if (!(v[k++] = strdup(BOX_PATH_ENV)))
		goto fail;
	if (!has_key(env, "HOME") &&
	    asprintf(&v[k++], "HOME=%s", s->rewrite ? s->home : BOX_HOME) < 0)
		goto fail;
	if (!has_key(env, "TMPDIR") &&
	    asprintf(&v[k++], "TMPDIR=%s", s->rewrite ? s->tmp : "/tmp") < 0)
		goto fail;
	return v;
fail:
	v[k > 0 ? k - 1 : 0] = NULL;
	free_vec(v);
	return NULL;
}

/* execve() doesn't search PATH; resolve a bare name on the box PATH first. */
char *resolve(const char *name)
{
	if (strchr(name, '/'))
		return strdup(name);
	static const char *dirs[] = { "/usr/local/bin", "/usr/bin", "/bin" };
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		char *p;
		if (asprintf(&p, "%s/%s", dirs[i], name) < 0)
			return NULL;
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return strdup(name);
}

/*
 * A dropped uid can't open a root-only /dev/kvm: give it the device's group
 * when that group may use it, else a private node (same device numbers) owned
 * by the box uid in the scratch dir, which is removed after the run.
 */
int kvm_prepare(struct kvm_plan *k, struct scratch *s, const struct ident *id,
		int own_mountns)
{
	k->src = "/dev/kvm";
	struct stat st;
	if (!k->want || !id->drop)
		return 0;
	if (stat("/dev/kvm", &st) != 0 || !S_ISCHR(st.st_mode))
		return 0;   /* nothing to give: the program finds no /dev/kvm */
	if ((st.st_mode & 06) == 06)
		return 0;
	if ((st.st_mode & 060) == 060 && st.st_gid != 0) {
		k->extra_gid = st.st_gid;
		return 0;
	}
	if (path_in(s->kvm, s->root, "kvm") != 0 ||
	    mknod(s->kvm, S_IFCHR | 0600, st.st_rdev) != 0 ||
	    chown(s->kvm, id->uid, id->gid) != 0)
		return -1;
	k->src = s->kvm;
	k->need_mountns = !own_mountns;
	return 0;
}
