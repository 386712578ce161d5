/*
 * core.c — box_run(): run one untrusted command with limits, capture its
 * output, and leave nothing behind.  See ../sandbox.h for the contract and
 * box.h for how the files share the work.
 *
 * Common to both layers: fork/exec in a new session with rlimits, inputs
 * copied read-only into a private scratch dir, stdout/stderr read under byte
 * caps, a wall-clock deadline, and the grader as a child subreaper that kills
 * and reaps every descendant before box_run returns.  As root, the box runs
 * as a per-grader uid (BOX_UID_BASE + the grader's pid: unique among live
 * graders, so RLIMIT_NPROC counts only this run and parallel graders never
 * share a uid); root ignores RLIMIT_NPROC and could read everything.
 */
#include "box.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

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
		.scratch_bytes = BOX_SCRATCH_BYTES,
		.scratch_files = BOX_SCRATCH_FILES,
		.mem_bytes = BOX_MEM_BYTES,
	};
	return l;
}

void setup_fail(struct box_result *res, const char *what, int err)
{
	res->cause = BOX_SETUP_FAIL;
	res->code = err;
	snprintf(res->diag, sizeof res->diag, "sandbox: %s: %s", what,
		 err ? strerror(err) : "failed");
}

static struct ident box_ident(void)
{
	struct ident id = { 0, getuid(), getgid() };
	if (geteuid() != 0)
		return id;
	unsigned long base = BOX_UID_BASE;
	const char *e = getenv("VIRTLAB_BOX_UID_BASE");
	if (e && *e)
		base = strtoul(e, NULL, 10);
	id.drop = 1;
	id.uid = (uid_t)(base + (unsigned long)getpid());
	id.gid = (gid_t)id.uid;
	return id;
}

static void set_limit(int res, rlim_t soft, rlim_t hard)
{
	struct rlimit rl = { soft, hard };
	setrlimit(res, &rl);
}

/*
 * Set before exec'ing bwrap: rlimits survive bwrap's exec.  Not RLIMIT_NPROC
 * (nproc < 0): the kernel caps a new user namespace's whole uid at its
 * creator's RLIMIT_NPROC, so it must stay the TA's own until the box's
 * namespace exists; then the grader (bwrap) or the child (fallback) sets it.
 */
static void apply_limits(const struct box_limits *l, long nproc)
{
	set_limit(RLIMIT_AS, l->as_bytes, l->as_bytes);
	/* soft < hard: SIGXCPU first (reported as a signal), SIGKILL a second later */
	set_limit(RLIMIT_CPU, (rlim_t)l->cpu_s, (rlim_t)l->cpu_s + 1);
	set_limit(RLIMIT_FSIZE, l->fsize_bytes, l->fsize_bytes);
	set_limit(RLIMIT_NOFILE, (rlim_t)l->nofile, (rlim_t)l->nofile);
	set_limit(RLIMIT_CORE, 0, 0);
	if (nproc >= 0)
		set_limit(RLIMIT_NPROC, (rlim_t)nproc, (rlim_t)nproc);
}

/* Tells the parent why setup failed (errno + stage), then dies. */
_Noreturn void child_fail(int fd, const char *stage)
{
	char msg[200];
	int n = snprintf(msg, sizeof msg, "%s: %s", stage, strerror(errno));
	if (n > 0 && write(fd, msg, (size_t)n) < 0)
		n = 0;
	_exit(127);
}

/* Puts fd (if any) at target, inherited across exec (bwrap reads it), else closes target. */
static int place_fd(int fd, int target)
{
	if (fd < 0)
		return close(target), 0;
	return dup2(fd, target) < 0 ? -1 : 0;
}

/* stdin/out/err; bwrap's json status at 3, seccomp at 5, block at 6; the report pipe at 4. */
static int child_fds(const struct child_plan *p)
{
	/* first above the fixed slots 0-6, so that no dup2 below clobbers a source */
	int j = p->json_fd >= 0 ? fcntl(p->json_fd, F_DUPFD_CLOEXEC, 7) : -1;
	int sc = p->seccomp_fd >= 0 ? fcntl(p->seccomp_fd, F_DUPFD_CLOEXEC, 7) : -1;
	int bl = p->block_fd >= 0 ? fcntl(p->block_fd, F_DUPFD_CLOEXEC, 7) : -1;
	int r = fcntl(p->report_fd, F_DUPFD_CLOEXEC, 7);
	if (r < 0 || dup2(p->in_fd, 0) < 0 || dup2(p->out_fd, 1) < 0 || dup2(p->err_fd, 2) < 0)
		return -1;
	if (place_fd(j, BW_FD_JSON) || place_fd(sc, BW_FD_SECCOMP) || place_fd(bl, BW_FD_BLOCK))
		return -1;
	if (dup3(r, BOX_FD_REPORT, O_CLOEXEC) < 0)
		return -1;
	/* everything else the grader had open stays out of the box */
	syscall(SYS_close_range, 7u, ~0u, 0u);
	return 0;
}

static int drop_privs(const struct child_plan *p)
{
	if (!p->id.drop)
		return 0;
	/* our pipes are root's 0600 inodes: let the box reopen /dev/stdout */
	if (fchown(1, p->id.uid, p->id.gid) != 0 || fchown(2, p->id.uid, p->id.gid) != 0)
		return -1;
	gid_t groups[1] = { p->kvm.extra_gid };
	if (setgroups(p->kvm.extra_gid ? 1 : 0, groups) != 0 ||
	    setresgid(p->id.gid, p->id.gid, p->id.gid) != 0 ||
	    setresuid(p->id.uid, p->id.uid, p->id.uid) != 0)
		return -1;
	return 0;
}

/* In order; every one runs, on every layer (box.h). */
static const struct box_addon *const box_addons[] = { &box_cgroup };
#define N_ADDONS (sizeof box_addons / sizeof *box_addons)

double box_addons_cpu(const struct run *r)
{
	double best = -1;
	for (size_t i = 0; i < N_ADDONS; i++) {
		double v = box_addons[i]->cpu ? box_addons[i]->cpu(r) : -1;
		if (v > best)
			best = v;
	}
	return best;
}

int box_addons_memory(const struct run *r)
{
	int best = 0;
	for (size_t i = 0; i < N_ADDONS; i++) {
		int v = box_addons[i]->memory ? box_addons[i]->memory(r) : 0;
		if (v > best)
			best = v;
	}
	return best;
}

_Noreturn static void child_run(const struct child_plan *p)
{
	signal(SIGPIPE, SIG_DFL);
	for (size_t i = 0; i < N_ADDONS; i++)   /* first: nothing runs outside the box's cgroup */
		if (box_addons[i]->join && box_addons[i]->join(p) != 0)
			child_fail(p->report_fd, box_addons[i]->name);
	if (child_fds(p) != 0)
		child_fail(p->report_fd, "fds");
	if (setsid() < 0)
		child_fail(BOX_FD_REPORT, "setsid");
	const struct box_layer *l = p->layer;
	if (l->child_privileged && l->child_privileged(p) != 0)
		child_fail(BOX_FD_REPORT, "privileged setup");
	if (drop_privs(p) != 0)
		child_fail(BOX_FD_REPORT, "dropping to the box uid");
	/* after the uid change, which clears it: the box dies with the grader */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != p->grader)
		_exit(127);
	if (chdir(p->cwd) != 0)
		child_fail(BOX_FD_REPORT, "chdir");
	apply_limits(&p->lim, l->child_nproc ? l->child_nproc(p) : p->lim.nproc);
	if (l->child_confine)
		l->child_confine(p);
	execve(p->argv[0], p->argv, p->env);
	child_fail(BOX_FD_REPORT, p->argv[0]);
}

void close_fd(int *fd)
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
	close_fd(&r->pjson[0]); close_fd(&r->pjson[1]);
	close_fd(&r->pblock[0]); close_fd(&r->pblock[1]);
	close_fd(&r->in_fd);
	close_fd(&r->seccomp_fd);
	close_fd(&r->w.pidfd);
	free(r->bw.v);   /* bwrap's command line: its strings are owned elsewhere */
	free_vec(r->argv);
	free_vec(r->env);
	free(r->before.v);
	free(r->out.buf);
	free(r->err.buf);
	scratch_remove(&r->s);
	for (size_t i = 0; i < N_ADDONS; i++)   /* every task was reaped */
		if (box_addons[i]->finish)
			box_addons[i]->finish(r);
}

static int mentions(const char *text, const char *what)
{
	return text && strstr(text, what) != NULL;
}

/* A lack of resources, as the kernel's errors say it. */
int resource_error(const char *text)
{
	return mentions(text, strerror(EAGAIN)) || mentions(text, strerror(ENOMEM));
}

/*
 * A tool of the grader's own (cc) was refused a fork: "vfork: Resource
 * temporarily unavailable", "Cannot fork".  Its process tree is the
 * toolchain's, which stays far below the box's limit, so the refusal is the
 * machine's (the TA's process limit, memory), never the submission's.  Only
 * lines that start with the tool's name ("cc: ", "collect2: "...) count.
 */
static int tool_starved(const char *err)
{
	for (const char *p = err; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char line[512];
		snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), p);
		if ((mentions(line, "fork") || mentions(line, "spawn")) && resource_error(line) &&
		    line[strcspn(line, ":/ ")] == ':' && line[strcspn(line, ":/ ") + 1] == ' ')
			return 1;
		p = e ? e + 1 : p + n;
	}
	return 0;
}

static void finish_result(struct run *r, const struct box_req *req, struct box_result *res)
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
	int st = r->w.status;
	if (r->w.over_scratch || scratch_over(r->s.root, &req->lim)) {
		res->cause = BOX_SIGNALED;
		res->code = SIGXFSZ;
		snprintf(res->diag, sizeof res->diag, "scratch space over %zu MiB or %ld entries",
			 req->lim.scratch_bytes >> 20, req->lim.scratch_files);
	} else if (r->w.over_memory || box_addons_memory(r) == 2) {
		/* the OOM killer's SIGKILL, or ours after it: not a crash of its own */
		res->cause = BOX_SIGNALED;
		res->code = SIGKILL;
		res->over_memory = 1;
		snprintf(res->diag, sizeof res->diag, "over its memory limit of %zu MiB (the whole box)",
			 req->lim.mem_bytes >> 20);
	} else if (WIFSIGNALED(st)) {
		res->cause = BOX_SIGNALED;
		res->code = WTERMSIG(st);
	} else if (r->layer->signal_as_exit && WEXITSTATUS(st) > 128 && WEXITSTATUS(st) < 128 + 65) {
		/* bwrap reports a program killed by signal N as exit 128+N */
		res->cause = BOX_SIGNALED;
		res->code = WEXITSTATUS(st) - 128;
	} else {
		res->cause = BOX_EXITED;
		res->code = WEXITSTATUS(st);
	}
	if (req->trusted_tree && !(res->cause == BOX_EXITED && res->code == 0) &&
	    tool_starved(res->err)) {
		res->starved = 1;
		snprintf(res->diag, sizeof res->diag,
			 "sandbox: a tool in the box could not fork for lack of resources");
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

/* With a mount namespace argv[0] must exist inside: check the copy or /usr on the host. */
static int program_exists(const struct run *r, const char *argv0)
{
	if (r->layer->own_namespaces && !strncmp(argv0, "/box/", 5)) {
		char p[PATH_MAX];
		return path_in(p, r->s.box, argv0 + 5) == 0 && access(p, X_OK) == 0;
	}
	return access(argv0, X_OK) == 0;
}

static int prepare(struct run *r, const struct box_req *req, struct box_result *res)
{
	if (!req->argv || !req->argv[0]) {
		setup_fail(res, "empty argv", EINVAL);
		return -1;
	}
	r->id = box_ident();
	r->s.rewrite = !r->layer->own_namespaces;
	if (scratch_make(&r->s, req, &r->id, res) != 0)
		return -1;
	r->kvm.want = req->kvm;
	if (kvm_prepare(&r->kvm, &r->s, &r->id, r->layer->own_namespaces) != 0) {
		setup_fail(res, "/dev/kvm for the box uid", errno);
		return -1;
	}
	r->argv = build_argv(req->argv, &r->s);
	r->env = build_env(req->env, &r->s);
	char *exe = r->argv ? resolve(r->argv[0]) : NULL;
	if (!r->env || !exe) {
		free(exe);
		setup_fail(res, "argv/env", ENOMEM);
		return -1;
	}
	free(r->argv[0]);
	r->argv[0] = exe;
	if (!program_exists(r, exe)) {
		snprintf(res->diag, sizeof res->diag, "sandbox: no program %s", req->argv[0]);
		res->cause = BOX_SETUP_FAIL;
		return -1;
	}
	r->exec_argv = r->argv;
	r->exec_env = r->env;
	r->cwd = r->s.tmp;
	for (size_t i = 0; i < N_ADDONS; i++)
		if (box_addons[i]->prepare && box_addons[i]->prepare(r, res) != 0)
			return -1;
	if (r->layer->prepare && r->layer->prepare(r, req, res) != 0)
		return -1;
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

/* Forks the box's first process; the parent side returns its pid or -1. */
static pid_t start_child(struct run *r, const struct box_req *req)
{
	struct child_plan plan = {
		.layer = r->layer, .argv = r->exec_argv, .env = r->exec_env, .cwd = r->cwd,
		.in_fd = r->in_fd, .out_fd = r->pout[1], .err_fd = r->perr[1],
		.report_fd = r->prep[1], .json_fd = r->pjson[1], .seccomp_fd = r->seccomp_fd,
		.block_fd = r->pblock[0], .lim = req->lim, .id = r->id, .kvm = r->kvm, .s = &r->s,
		.cg = &r->cg, .grader = getpid(),
	};
	pid_t pid = fork();
	if (pid == 0)
		child_run(&plan);
	return pid;
}

/* One run on the given layer (box_run's, or a layer's probe before it is chosen). */
int box_run_on(const struct box_layer *layer, const struct box_req *req, struct box_result *res)
{
	memset(res, 0, sizeof *res);
	struct run r = { .layer = layer, .req = req, .pout = { -1, -1 }, .perr = { -1, -1 },
			 .prep = { -1, -1 }, .pjson = { -1, -1 }, .pblock = { -1, -1 },
			 .in_fd = -1, .seccomp_fd = -1, .w = { .pidfd = -1 }, .cg = { .usage_fd = -1 } };
	double t0 = now_s(), deadline = t0 + req->lim.wall_s;
	/* Orphans of the box re-parent to us, so we can kill and reap them all. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	list_children(&r.before);
	double cpu0 = box_children_cpu();
	int rc = -1;
	if (prepare(&r, req, res) != 0)
		goto out;
	pid_t pid = start_child(&r, req);
	if (pid < 0) {
		setup_fail(res, "fork", errno);
		goto out;
	}
	r.w.pid = pid;
	r.w.pidfd = pidfd_open_(pid);
	close_fd(&r.pout[1]);
	close_fd(&r.perr[1]);
	if (child_setup_failed(&r, res) ||
	    (layer->started && layer->started(&r, deadline, res) != 0)) {
		kill_group(r.w.pid);
		reap_all(&r.before, &r.w);
		goto out;
	}
	struct capture_ctx c = { &r.w, &r.out, &r.err, deadline, &r.before, r.s.root, &req->lim, cpu0, &r, t0 };
	capture(&c, res);
	reap_all(&r.before, &r.w);
	if (layer->ran && layer->ran(&r, res) != 0)
		goto out;
	if (req->outdir && copy_out(&r.s, req->outdir) != 0) {
		setup_fail(res, "copying /out back", errno);
		goto out;
	}
	finish_result(&r, req, res);
	rc = 0;
out:
	if (rc != 0) {
		res->starved = resource_error(res->diag) || res->code == EAGAIN || res->code == ENOMEM;
		if (!res->out) {
			res->out = calloc(1, 1);
			res->err = calloc(1, 1);
		}
	}
	res->wall_s = now_s() - t0;
	double reaped = box_children_cpu() - cpu0;   /* every task reaped by us or theirs */
	if (reaped > res->cpu_s)
		res->cpu_s = reaped;
	double counted = box_addons_cpu(&r);         /* a cgroup's: every task, however it ended */
	if (counted > res->cpu_s)
		res->cpu_s = counted;
	run_free(&r);
	return rc;
}

/* ---------- the layers, and picking one once per process ---------- */

/* In order of preference; the last one always chooses itself. */
static const struct box_layer *const box_layers[] = { &box_bwrap, &box_fallback };
static const struct box_layer *g_layer;

/*
 * VIRTLAB_SANDBOX=<kind> forces a layer (it chooses itself whatever its probe
 * says: a chosen layer that can't start gives BOX_SETUP_FAIL, never another
 * layer); otherwise the first that chooses itself.  why[] carries a refusal
 * on to the next layer, which may quote it in its warning.
 */
static void pick_layer(void)
{
	const char *force = getenv("VIRTLAB_SANDBOX");
	size_t n = sizeof box_layers / sizeof *box_layers;
	int known = 0;
	for (size_t i = 0; force && i < n; i++)
		known |= !strcmp(force, box_layers[i]->kind);
	char why[400] = "";
	for (size_t i = 0; i < n && !g_layer; i++) {
		int forced = known && !strcmp(force, box_layers[i]->kind);
		if (known && !forced)
			continue;
		if (box_layers[i]->choose(forced, why, sizeof why) == 0)
			g_layer = box_layers[i];
	}
	if (!g_layer)
		g_layer = box_layers[n - 1];
}

const char *box_layer(void)
{
	if (!g_layer)
		pick_layer();
	return g_layer->describe();
}

const char *box_layer_kind(void)
{
	box_layer();
	return g_layer->kind;
}

int box_run(const struct box_req *req, struct box_result *res)
{
	box_layer();
	return box_run_on(g_layer, req, res);
}

void box_result_free(struct box_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}
