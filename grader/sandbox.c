/*
 * sandbox.c — box_run(): run one untrusted command with limits, capture its
 * output, and leave nothing behind.  See sandbox.h for the contract.
 *
 * Plain layer (this version): fork/exec in a new session with rlimits, inputs
 * copied read-only into a private scratch dir, stdout/stderr read with poll()
 * under byte caps, a wall-clock deadline, and the grader as a child subreaper
 * that kills and reaps every descendant before box_run returns.
 *
 * Without a mount namespace, "/box/" and "/out" cannot exist at those paths,
 * so the plain layer rewrites them: an argv or env string that starts with
 * "/box/" or "/out" (or has it right after the first '=', e.g. "K=/box/x" or
 * "-o/out/vmm" is not rewritten, "-o" "/out/vmm" is) gets the scratch copy's
 * path instead.
 */
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BOX_PATH_ENV "PATH=/usr/local/bin:/usr/bin:/bin"

struct box_limits box_default_limits(void)
{
	struct box_limits l = {
		.wall_s = 2.0,
		.cpu_s = 2,
		.as_bytes = (size_t)2 << 30,  /* Unicorn reserves 1 GiB of JIT space */
		.fsize_bytes = (size_t)1 << 20,
		.nofile = 64,
		.nproc = 64,
		.out_cap = 64 << 10,
		.err_cap = 8 << 10,
	};
	return l;
}

const char *box_layer(void)
{
	return "fallback: plain (no namespaces): cannot stop reads of host files, "
	       "writes to world-writable dirs, or network use";
}

/* ---------- small helpers ---------- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void setup_fail(struct box_result *res, const char *what, int err)
{
	res->cause = BOX_SETUP_FAIL;
	res->code = err;
	snprintf(res->diag, sizeof res->diag, "sandbox: %s: %s", what,
		 err ? strerror(err) : "failed");
}

/* Never signal pid <= 1: kill(0/-1/1) would hit the grader or the machine. */
static void kill_pid(pid_t pid, int sig)
{
	if (pid > 1)
		kill(pid, sig);
}

static void kill_group(pid_t pgid)
{
	if (pgid > 1)
		kill(-pgid, SIGKILL);
}

/* ---------- scratch directory ---------- */

struct scratch {
	char root[PATH_MAX];    /* mkdtemp'd, removed at the end */
	char box[PATH_MAX];     /* inputs, read-only copies */
	char out[PATH_MAX];     /* the writable /out, copied back to req->outdir */
	char home[PATH_MAX];
	char tmp[PATH_MAX];
};

static int path_join(char *dst, const char *a, const char *b)
{
	int n = snprintf(dst, PATH_MAX, "%s/%s", a, b);
	return (n < 0 || n >= PATH_MAX) ? -1 : 0;
}

/* Removes a tree the box may have left with odd modes; never follows links. */
static void rm_tree_at(int dfd, const char *name)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		fchmodat(dfd, name, 0700, 0);
		int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			DIR *d = fdopendir(fd);
			if (d) {
				struct dirent *e;
				while ((e = readdir(d)))
					if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
						rm_tree_at(dirfd(d), e->d_name);
				closedir(d);
			} else {
				close(fd);
			}
		}
		unlinkat(dfd, name, AT_REMOVEDIR);
	} else {
		unlinkat(dfd, name, 0);
	}
}

static void scratch_remove(struct scratch *s)
{
	if (s->root[0])
		rm_tree_at(AT_FDCWD, s->root);
	s->root[0] = 0;
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

/* A copy, not a link or an fd of the original: the box can't touch the source. */
static int copy_in(const struct box_file *f, const char *boxdir)
{
	if (!f->name || !*f->name || strchr(f->name, '/') || !strcmp(f->name, ".") ||
	    !strcmp(f->name, "..")) {
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
	if (path_join(dst, boxdir, f->name) == 0)
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

static int scratch_make(struct scratch *s, const struct box_req *req,
			struct box_result *res)
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
	if (path_join(s->box, s->root, "box") || path_join(s->out, s->root, "out") ||
	    path_join(s->home, s->root, "home") || path_join(s->tmp, s->root, "tmp") ||
	    mkdir(s->box, 0755) || mkdir(s->out, 0755) || mkdir(s->home, 0700) ||
	    mkdir(s->tmp, 0700)) {
		setup_fail(res, "scratch dir", errno);
		return -1;
	}
	for (size_t i = 0; i < req->nfiles; i++) {
		if (copy_in(&req->files[i], s->box) != 0) {
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
static int copy_out(const struct scratch *s, const char *outdir)
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
			if (path_join(dst, outdir, e->d_name) == 0) {
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

/* ---------- argv / env for the plain layer ---------- */

/* "/box/x" -> "<scratch>/box/x", "/out..." -> "<scratch>/out...", after an optional "K=". */
static char *rewrite(const char *str, const struct scratch *s)
{
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

static void free_vec(char **v)
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

static char **build_argv(char *const *argv, const struct scratch *s)
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
static char **build_env(char *const *env, const struct scratch *s)
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
	if (!has_key(env, "HOME") && asprintf(&v[k++], "HOME=%s", s->home) < 0)
		goto fail;
	if (!has_key(env, "TMPDIR") && asprintf(&v[k++], "TMPDIR=%s", s->tmp) < 0)
		goto fail;
	return v;
fail:
	v[k > 0 ? k - 1 : 0] = NULL;
	free_vec(v);
	return NULL;
}

/* ---------- children of the grader: snapshot, kill, reap ---------- */

struct pidset {
	pid_t *v;
	size_t n, cap;
};

static int pidset_has(const struct pidset *s, pid_t p)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == p)
			return 1;
	return 0;
}

static void pidset_add(struct pidset *s, pid_t p)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;
		pid_t *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = p;
}

/* Every child of this process (orphans re-parent to us: we are a subreaper). */
static void list_children(struct pidset *out)
{
	out->n = 0;
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[300];
		snprintf(path, sizeof path, "/proc/self/task/%s/children", e->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		long p;
		while (fscanf(f, "%ld", &p) == 1)
			if (p > 1 && !pidset_has(out, (pid_t)p))
				pidset_add(out, (pid_t)p);
		fclose(f);
	}
	closedir(d);
}

/*
 * Kills and reaps every child that was not there before the run, until none
 * is left.  Killing a child re-parents its children to us, so loop.  Bounded:
 * each round removes a generation and RLIMIT_NPROC bounds how many there are.
 */
struct watch {
	pid_t pid;
	int pidfd;
	int status;
	int exited;
};

static void reap_all(const struct pidset *before, struct watch *w)
{
	struct pidset kids = { 0 };
	for (int round = 0; round < 10000; round++) {
		list_children(&kids);
		size_t ours = 0;
		for (size_t i = 0; i < kids.n; i++) {
			if (pidset_has(before, kids.v[i]))
				continue;
			ours++;
			kill_pid(kids.v[i], SIGKILL);
		}
		if (!ours)
			break;
		for (size_t i = 0; i < kids.n; i++)
			if (!pidset_has(before, kids.v[i])) {
				int st = 0;
				pid_t got;
				while ((got = waitpid(kids.v[i], &st, __WALL)) < 0 && errno == EINTR)
					;
				if (got > 0 && got == w->pid && !w->exited) {
					w->status = st;  /* the main process: keep its status */
					w->exited = 1;
				}
			}
	}
	free(kids.v);
}

/* ---------- the child side ---------- */

static void set_limit(int res, rlim_t soft, rlim_t hard)
{
	struct rlimit rl = { soft, hard };
	setrlimit(res, &rl);
}

static void apply_limits(const struct box_limits *l)
{
	set_limit(RLIMIT_AS, l->as_bytes, l->as_bytes);
	/* soft < hard: SIGXCPU first (reported as a signal), SIGKILL a second later */
	set_limit(RLIMIT_CPU, (rlim_t)l->cpu_s, (rlim_t)l->cpu_s + 1);
	set_limit(RLIMIT_FSIZE, l->fsize_bytes, l->fsize_bytes);
	set_limit(RLIMIT_NOFILE, (rlim_t)l->nofile, (rlim_t)l->nofile);
	set_limit(RLIMIT_CORE, 0, 0);
	set_limit(RLIMIT_NPROC, (rlim_t)l->nproc, (rlim_t)l->nproc);
}

struct child_plan {
	char **argv, **env;
	const char *cwd;
	int in_fd, out_fd, err_fd, report_fd;
	struct box_limits lim;
};

/* Tells the parent why setup failed (errno + stage), then dies. */
_Noreturn static void child_fail(int fd, const char *stage)
{
	char msg[200];
	int n = snprintf(msg, sizeof msg, "%s: %s", stage, strerror(errno));
	if (n > 0 && write(fd, msg, (size_t)n) < 0)
		n = 0;
	_exit(127);
}

_Noreturn static void child_run(const struct child_plan *p)
{
	signal(SIGPIPE, SIG_DFL);
	if (setsid() < 0)
		child_fail(p->report_fd, "setsid");
	if (dup2(p->in_fd, 0) < 0 || dup2(p->out_fd, 1) < 0 || dup2(p->err_fd, 2) < 0)
		child_fail(p->report_fd, "dup2");
	/* Everything else the grader had open stays out of the box. */
	if (p->report_fd > 3)
		syscall(SYS_close_range, 3u, (unsigned)p->report_fd - 1, 0u);
	syscall(SYS_close_range, (unsigned)p->report_fd + 1, ~0u, 0u);
	if (chdir(p->cwd) != 0)
		child_fail(p->report_fd, "chdir");
	apply_limits(&p->lim);
	execve(p->argv[0], p->argv, p->env);
	child_fail(p->report_fd, p->argv[0]);
}

/* execve() doesn't search PATH; resolve a bare name on the box PATH first. */
static char *resolve(const char *name)
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

/* ---------- the parent side: capture ---------- */

struct stream {
	int fd;
	char *buf;
	size_t len, cap;
	int truncated;
};

static int stream_init(struct stream *s, int fd, size_t cap)
{
	s->fd = fd;
	s->len = 0;
	s->cap = cap;
	s->truncated = 0;
	s->buf = malloc(cap + 1);
	return s->buf ? 0 : -1;
}

/* Reads what's there; returns 1 when the stream went past its cap, -1 at EOF. */
static int stream_read(struct stream *s)
{
	char tmp[65536];
	ssize_t n = read(s->fd, tmp, sizeof tmp);
	if (n < 0)
		return (errno == EINTR || errno == EAGAIN) ? 0 : -1;
	if (n == 0)
		return -1;
	size_t room = s->cap - s->len, take = (size_t)n < room ? (size_t)n : room;
	memcpy(s->buf + s->len, tmp, take);
	s->len += take;
	if (take < (size_t)n) {
		s->truncated = 1;
		return 1;
	}
	return 0;
}

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

static void watch_try_reap(struct watch *w)
{
	if (!w->exited && waitpid(w->pid, &w->status, WNOHANG | __WALL) == w->pid)
		w->exited = 1;
}

/*
 * The capture loop: reads both streams until the main process has exited and
 * both pipes hit EOF, enforcing the deadline and the stdout cap.  Once the
 * main process is gone, or on a limit, the whole box is killed so the pipes
 * close even if a descendant kept them.
 */
static void capture(struct watch *w, struct stream *out, struct stream *err,
		    double deadline, const struct pidset *before, struct box_result *res)
{
	int out_open = 1, err_open = 1, killed = 0;
	while (out_open || err_open || !w->exited) {
		double left = deadline - now_s();
		if (left <= 0 && !killed) {
			res->cause = BOX_TIMEOUT;
			killed = 1;
			kill_group(w->pid);
			reap_all(before, w);
		}
		struct pollfd pf[3];
		int np = 0, io = -1, ie = -1, ip = -1;
		if (out_open) { io = np; pf[np++] = (struct pollfd){ out->fd, POLLIN, 0 }; }
		if (err_open) { ie = np; pf[np++] = (struct pollfd){ err->fd, POLLIN, 0 }; }
		if (!w->exited && w->pidfd >= 0) { ip = np; pf[np++] = (struct pollfd){ w->pidfd, POLLIN, 0 }; }
		int ms = left <= 0 ? 50 : (int)(left * 1000) + 1;
		if (!w->exited && w->pidfd < 0 && ms > 5)
			ms = 5;  /* no pidfd: poll for the exit */
		int r = poll(pf, (nfds_t)np, ms);
		if (r < 0 && errno != EINTR)
			break;
		if (io >= 0 && pf[io].revents) {
			int s = stream_read(out);
			if (s < 0)
				out_open = 0;
			else if (s > 0 && !killed) {
				res->cause = BOX_OUT_CAP;
				killed = 1;
				kill_group(w->pid);
				reap_all(before, w);
			}
		}
		if (ie >= 0 && pf[ie].revents && stream_read(err) < 0)
			err_open = 0;
		if (ip >= 0 && pf[ip].revents)
			watch_try_reap(w);
		else if (w->pidfd < 0)
			watch_try_reap(w);
		if (w->exited && !killed && (out_open || err_open)) {
			/* main is gone: whatever is left is a stray holding the pipes */
			killed = 1;
			kill_group(w->pid);
			reap_all(before, w);
		}
		if (killed && !w->exited)
			watch_try_reap(w);
	}
}

/* ---------- box_run ---------- */

struct run {
	struct scratch s;
	char **argv, **env;
	int pin[2], pout[2], perr[2], prep[2];
	int in_fd;
	struct pidset before;
	struct stream out, err;
	struct watch w;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void run_free(struct run *r)
{
	close_fd(&r->pout[0]); close_fd(&r->pout[1]);
	close_fd(&r->perr[0]); close_fd(&r->perr[1]);
	close_fd(&r->prep[0]); close_fd(&r->prep[1]);
	close_fd(&r->in_fd);
	close_fd(&r->w.pidfd);
	free_vec(r->argv);
	free_vec(r->env);
	free(r->before.v);
	free(r->out.buf);
	free(r->err.buf);
	scratch_remove(&r->s);
}

static void finish_result(struct run *r, struct box_result *res)
{
	res->out = r->out.buf;
	res->out_len = r->out.len;
	res->out[res->out_len] = 0;
	res->err = r->err.buf;
	res->err_len = r->err.len;
	res->err[res->err_len] = 0;
	res->err_truncated = r->err.truncated;
	r->out.buf = r->err.buf = NULL;
	if (res->cause == BOX_TIMEOUT || res->cause == BOX_OUT_CAP)
		return;
	if (WIFSIGNALED(r->w.status)) {
		res->cause = BOX_SIGNALED;
		res->code = WTERMSIG(r->w.status);
	} else {
		res->cause = BOX_EXITED;
		res->code = WEXITSTATUS(r->w.status);
	}
}

static int open_pipes(struct run *r)
{
	if (pipe2(r->pout, O_CLOEXEC) || pipe2(r->perr, O_CLOEXEC) || pipe2(r->prep, O_CLOEXEC))
		return -1;
	fcntl(r->pout[0], F_SETFL, O_NONBLOCK);
	fcntl(r->perr[0], F_SETFL, O_NONBLOCK);
	return 0;
}

static int prepare(struct run *r, const struct box_req *req, struct box_result *res)
{
	if (!req->argv || !req->argv[0]) {
		setup_fail(res, "empty argv", EINVAL);
		return -1;
	}
	if (scratch_make(&r->s, req, res) != 0)
		return -1;
	r->argv = build_argv(req->argv, &r->s);
	r->env = build_env(req->env, &r->s);
	if (!r->argv || !r->env) {
		setup_fail(res, "argv/env", ENOMEM);
		return -1;
	}
	char *exe = resolve(r->argv[0]);
	if (!exe) {
		setup_fail(res, "argv[0]", ENOMEM);
		return -1;
	}
	free(r->argv[0]);
	r->argv[0] = exe;
	r->in_fd = open(req->stdin_path ? req->stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
	if (r->in_fd < 0) {
		setup_fail(res, "stdin", errno);
		return -1;
	}
	if (open_pipes(r) != 0 || stream_init(&r->out, r->pout[0], req->lim.out_cap) ||
	    stream_init(&r->err, r->perr[0], req->lim.err_cap)) {
		setup_fail(res, "pipes", errno);
		return -1;
	}
	return 0;
}

/* Reads the child's setup report; non-empty means exec never happened. */
static int child_setup_failed(struct run *r, struct box_result *res)
{
	close_fd(&r->prep[1]);
	char msg[200];
	ssize_t n;
	while ((n = read(r->prep[0], msg, sizeof msg - 1)) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return 0;
	msg[n] = 0;
	res->cause = BOX_SETUP_FAIL;
	snprintf(res->diag, sizeof res->diag, "sandbox: %s", msg);
	return 1;
}

int box_run(const struct box_req *req, struct box_result *res)
{
	memset(res, 0, sizeof *res);
	struct run r = { .pin = { -1, -1 }, .pout = { -1, -1 }, .perr = { -1, -1 },
			 .prep = { -1, -1 }, .in_fd = -1, .w = { .pidfd = -1 } };
	double t0 = now_s();
	/* Orphans of the box re-parent to us, so we can kill and reap them all. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	list_children(&r.before);
	int rc = -1;
	if (prepare(&r, req, res) != 0)
		goto out;
	struct child_plan plan = {
		.argv = r.argv, .env = r.env, .cwd = r.s.tmp,
		.in_fd = r.in_fd, .out_fd = r.pout[1], .err_fd = r.perr[1],
		.report_fd = r.prep[1], .lim = req->lim,
	};
	pid_t pid = fork();
	if (pid < 0) {
		setup_fail(res, "fork", errno);
		goto out;
	}
	if (pid == 0)
		child_run(&plan);
	r.w.pid = pid;
	r.w.pidfd = pidfd_open_(pid);
	close_fd(&r.pout[1]);
	close_fd(&r.perr[1]);
	if (child_setup_failed(&r, res)) {
		reap_all(&r.before, &r.w);
		goto out;
	}
	capture(&r.w, &r.out, &r.err, t0 + req->lim.wall_s, &r.before, res);
	reap_all(&r.before, &r.w);
	if (req->outdir && copy_out(&r.s, req->outdir) != 0) {
		setup_fail(res, "copying /out back", errno);
		goto out;
	}
	finish_result(&r, res);
	rc = 0;
out:
	if (rc != 0 && !res->out) {
		res->out = calloc(1, 1);
		res->err = calloc(1, 1);
	}
	res->wall_s = now_s() - t0;
	run_free(&r);
	return rc;
}

void box_result_free(struct box_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}
