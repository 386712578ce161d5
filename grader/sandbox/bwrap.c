/*
 * bwrap.c — layer "bubblewrap": bwrap with new user/pid/net/ipc/uts(/cgroup)
 * namespaces, only /usr (+ the /bin,/lib* symlinks, ld.so.cache,
 * /etc/alternatives) read-only, inputs at /box (ro; trusted ones bound
 * there from where they are), size-capped tmpfs for
 * /tmp, /var/tmp, /dev/shm and $HOME, /out bound to a scratch dir copied back
 * to req->outdir, /dev/kvm only when asked, the seccomp filter (--seccomp),
 * no user namespaces inside (--disable-userns, where bwrap has it).  Probed
 * once per process (choose).
 */
#include "box.h"
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* bwrap's tmpfs sizes: enough for cc's temporaries, small enough for RAM */
#define BOX_TMP_SIZE "67108864"
#define BOX_SMALL_TMP_SIZE "8388608"

static int sv_push(struct strvec *sv, const char *s)
{
	if (sv->n + 2 > sv->cap) {
		size_t cap = sv->cap ? 2 * sv->cap : 64;
		char **v = realloc(sv->v, cap * sizeof *v);
		if (!v)
			return -1;
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = (char *)s;
	sv->v[sv->n] = NULL;
	return 0;
}

static int sv_pushn(struct strvec *sv, int n, ...)
{
	va_list ap;
	va_start(ap, n);
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++)
		rc = sv_push(sv, va_arg(ap, const char *));
	va_end(ap);
	return rc;
}

static const char *bwrap_path(void)
{
	const char *e = getenv("VIRTLAB_BWRAP");
	return e && *e ? e : "/usr/bin/bwrap";
}

/* Host dirs that are symlinks into /usr on merged-/usr systems, else bound ro. */
static int bwrap_root_links(struct strvec *sv)
{
	static const char *const dirs[][2] = {
		{ "/bin", "usr/bin" }, { "/sbin", "usr/sbin" },
		{ "/lib", "usr/lib" }, { "/lib64", "usr/lib64" }, { "/lib32", "usr/lib32" },
	};
	int rc = 0;
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs && rc == 0; i++) {
		struct stat st;
		if (lstat(dirs[i][0], &st) != 0)
			continue;
		if (S_ISLNK(st.st_mode))
			rc = sv_pushn(sv, 3, "--symlink", dirs[i][1], dirs[i][0]);
		else
			rc = sv_pushn(sv, 3, "--ro-bind", dirs[i][0], dirs[i][0]);
	}
	return rc;
}

/*
 * The box's environment goes in as --setenv pairs after --clearenv: bwrap
 * itself runs with an empty environment, so nothing meant for the program
 * (LD_PRELOAD above all: ld.so would complain on stderr that /box/... isn't
 * there yet) touches bwrap. Splits each "K=V" in place.
 */
static int bwrap_env(struct strvec *sv, char **env)
{
	int rc = sv_push(sv, "--clearenv");
	for (size_t i = 0; env && env[i] && rc == 0; i++) {
		char *eq = strchr(env[i], '=');
		if (!eq)
			continue;
		*eq = 0;
		rc = sv_pushn(sv, 3, "--setenv", env[i], eq + 1);
	}
	return rc;
}

/* bwrap >= 0.8 can forbid user namespaces inside the box; probed once (bwrap_choose). */
static int g_bw_disable_userns = 1;

/*
 * The box's seccomp filter at fd 5 (when this architecture has one); bwrap
 * waits on fd 6 (--block-fd) after building the namespaces and before exec,
 * so that the grader can set RLIMIT_NPROC inside them (bwrap_handshake).
 */
static int bwrap_argv(struct strvec *sv, const struct box_req *req, const struct scratch *s,
		      const struct kvm_plan *k, char **prog_argv, char **env, int seccomp)
{
	int rc = sv_pushn(sv, 12, bwrap_path(), "--unshare-user", "--unshare-pid",
			  "--unshare-net", "--unshare-ipc", "--unshare-uts",
			  "--unshare-cgroup-try", "--die-with-parent", "--new-session",
			  "--hostname", "box", "--json-status-fd");
	rc = rc ? rc : sv_pushn(sv, 3, "3", "--block-fd", "6");
	if (seccomp)
		rc = rc ? rc : sv_pushn(sv, 2, "--seccomp", "5");
	if (g_bw_disable_userns)
		rc = rc ? rc : sv_push(sv, "--disable-userns");
	rc = rc ? rc : sv_pushn(sv, 3, "--ro-bind", "/usr", "/usr");
	rc = rc ? rc : bwrap_root_links(sv);
	rc = rc ? rc : sv_pushn(sv, 6, "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
				"--ro-bind-try", "/etc/alternatives", "/etc/alternatives");
	rc = rc ? rc : sv_pushn(sv, 4, "--proc", "/proc", "--dev", "/dev");
	rc = rc ? rc : sv_pushn(sv, 4, "--size", BOX_TMP_SIZE, "--tmpfs", "/tmp");
	rc = rc ? rc : sv_pushn(sv, 4, "--size", BOX_SMALL_TMP_SIZE, "--tmpfs", "/var/tmp");
	rc = rc ? rc : sv_pushn(sv, 4, "--size", BOX_SMALL_TMP_SIZE, "--tmpfs", "/dev/shm");
	rc = rc ? rc : sv_pushn(sv, 4, "--size", BOX_SMALL_TMP_SIZE, "--tmpfs", BOX_HOME);
	rc = rc ? rc : sv_pushn(sv, 3, "--ro-bind", s->box, "/box");
	for (size_t i = 0; i < s->nshown && rc == 0; i++)   /* over their placeholders */
		rc = sv_pushn(sv, 3, "--ro-bind", s->shown[i], s->shown_at[i]);
	if (req->outdir)
		rc = rc ? rc : sv_pushn(sv, 3, "--bind", s->out, "/out");
	if (k->want && access(k->src, F_OK) == 0)
		rc = rc ? rc : sv_pushn(sv, 3, "--dev-bind", k->src, "/dev/kvm");
	rc = rc ? rc : bwrap_env(sv, env);
	rc = rc ? rc : sv_pushn(sv, 3, "--chdir", "/tmp", "--");
	for (size_t i = 0; prog_argv[i] && rc == 0; i++)
		rc = sv_push(sv, prog_argv[i]);
	return rc;
}

/* Appends bwrap's status output until a newline (line = 1) or EOF, or the deadline. */
static void json_read(struct run *r, int line, double deadline)
{
	while (r->json_len < sizeof r->json - 1) {
		if (line && memchr(r->json, '\n', r->json_len))
			return;
		double left = deadline - now_s();
		struct pollfd pf = { r->pjson[0], POLLIN, 0 };
		if (left <= 0 || poll(&pf, 1, (int)(left * 1000) + 1) == 0)
			return;
		ssize_t n = read(r->pjson[0], r->json + r->json_len, sizeof r->json - 1 - r->json_len);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return;
		if (n > 0)
			r->json[r->json_len += (size_t)n] = 0;
	}
}

static long json_child_pid(const struct run *r)
{
	const char *p = strstr(r->json, "\"child-pid\"");
	return p ? strtol(p + 11 + strspn(p + 11, ": "), NULL, 10) : 0;
}

/*
 * bwrap reports {"child-pid": N} once the box's namespaces exist; the box
 * then waits on --block-fd.  Meanwhile the grader sets its RLIMIT_NPROC:
 * inside the box's own user namespace the kernel (>= 5.14) counts only the
 * box's tasks against it, whatever else the TA's uid runs (measured: see
 * HACKING.md).  As root the child set it before exec (the box's uid is its
 * own; and root may lack CAP_SYS_RESOURCE to prlimit another uid).
 * Then releases the box.  Returns 0, also when bwrap died before (the caller reports
 * that from its stderr), -1 when the limit could not be set.
 */
static int bwrap_handshake(struct run *r, double deadline, struct box_result *res)
{
	long nproc = r->req->lim.nproc;
	close_fd(&r->pjson[1]);
	close_fd(&r->pblock[0]);
	json_read(r, 1, deadline);
	long pid = json_child_pid(r);
	if (pid > 1 && !r->id.drop) {
		struct rlimit rl = { (rlim_t)nproc, (rlim_t)nproc };
		if (prlimit((pid_t)pid, RLIMIT_NPROC, &rl, NULL) != 0) {
			setup_fail(res, "RLIMIT_NPROC inside the box", errno);
			return -1;
		}
	}
	close_fd(&r->pblock[1]);   /* EOF on --block-fd: the box goes on */
	return 0;
}

/*
 * After the run: bwrap's --json-status-fd said "child-pid" if the sandbox was
 * set up; if not, bwrap never ran the program and its first stderr line says why.
 */
static int bwrap_ran(struct run *r, struct box_result *res)
{
	close_fd(&r->pjson[1]);
	json_read(r, 0, now_s() + 5);
	if (json_child_pid(r) > 1)
		return 0;
	snprintf(res->diag, sizeof res->diag, "sandbox: bwrap could not start: %.200s",
		 r->err.len ? r->err.buf : "(no message)");
	char *nl = strchr(res->diag, '\n');
	if (nl)
		*nl = 0;
	res->cause = BOX_SETUP_FAIL;
	return -1;
}

/*
 * The bwrap command line (bwrap itself runs with an empty environment, from
 * /), the seccomp filter in a memfd when there is one, and the pipes of
 * --json-status-fd and --block-fd.
 */
static int prepare_bwrap(struct run *r, const struct box_req *req, struct box_result *res)
{
	static char *no_env[] = { NULL };
	if (pipe2(r->pjson, O_CLOEXEC) || pipe2(r->pblock, O_CLOEXEC)) {
		setup_fail(res, "pipes", errno);
		return -1;
	}
	struct box_filter_opts o = { 0 };   /* bwrap's pid namespace scopes signals */
	r->seccomp_fd = box_filter_memfd(&o);
	if (r->seccomp_fd < 0 && errno != ENOSYS) {
		setup_fail(res, "seccomp filter", errno);
		return -1;
	}
	if (bwrap_argv(&r->bw, req, &r->s, &r->kvm, r->argv, r->env, r->seccomp_fd >= 0) != 0) {
		setup_fail(res, "bwrap argv", ENOMEM);
		return -1;
	}
	r->exec_argv = r->bw.v;
	r->exec_env = no_env;
	r->cwd = "/";
	return 0;
}

/* As root the box's uid is its own, so its count is the box's already: set it
 * before exec (root may lack CAP_SYS_RESOURCE to prlimit another uid later).
 * Otherwise not yet: bwrap_handshake sets it inside the box's namespace. */
static long bwrap_nproc(const struct child_plan *p)
{
	return p->id.drop ? p->lim.nproc : -1;
}

/* The probe: the real setup, running /usr/bin/true.  0 when it ran; else why[] says why not. */
static int bwrap_probe(char *why, size_t len)
{
	char *argv[] = { "true", NULL };
	char *env[] = { NULL };
	struct box_req req = { .argv = argv, .env = env, .lim = box_default_limits() };
	struct box_result res;
	int rc = box_run_on(&box_bwrap, &req, &res);
	int ok = rc == 0 && res.cause == BOX_EXITED && res.code == 0;
	snprintf(why, len, "%.200s", res.diag[0] ? res.diag : res.err);
	char *nl = strchr(why, '\n');
	if (nl)
		*nl = 0;
	box_result_free(&res);
	return ok ? 0 : -1;
}

/*
 * Chosen when its probe runs; also when forced (VIRTLAB_SANDBOX=bwrap) or
 * when the probe failed for lack of resources (EAGAIN, ENOMEM: passing, not
 * structural): from then on a bwrap that can't start is a grader error, never
 * a switch of layer.  A probe refused otherwise is retried without
 * --disable-userns (bwrap < 0.8, or a kernel that won't): the filter still
 * denies nested user namespaces.
 */
static int bwrap_choose(int forced, char *why, size_t len)
{
	if (!forced && access(bwrap_path(), X_OK) != 0) {
		snprintf(why, len, "bwrap is not installed");
		return -1;
	}
	char probe[300];
	int ok = bwrap_probe(probe, sizeof probe) == 0;
	if (!ok && !resource_error(probe)) {
		g_bw_disable_userns = 0;
		ok = bwrap_probe(probe, sizeof probe) == 0;
	}
	if (!ok && !forced && !resource_error(probe)) {
		snprintf(why, len, "bwrap cannot start here (%s)", probe);
		return -1;
	}
	if (!ok)
		fprintf(stderr, "virtlab: WARNING: sandbox bubblewrap%s cannot start now (%s): "
			"every run will be a grader error\n", forced ? " (VIRTLAB_SANDBOX=bwrap)" : "",
			probe);
	return 0;
}

static const char *bwrap_describe(void)
{
	return "bubblewrap";
}

const struct box_layer box_bwrap = {
	.kind = "bwrap",
	.own_namespaces = 1,
	.signal_as_exit = 1,
	.choose = bwrap_choose,
	.describe = bwrap_describe,
	.prepare = prepare_bwrap,
	.child_nproc = bwrap_nproc,
	.started = bwrap_handshake,
	.ran = bwrap_ran,
};
