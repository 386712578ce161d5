/*
 * sandbox.c — box_run(): run one untrusted command with limits, capture its
 * output, and leave nothing behind.  See sandbox.h for the contract.
 *
 * Common to both layers: fork/exec in a new session with rlimits, inputs
 * copied read-only into a private scratch dir, stdout/stderr read with poll()
 * under byte caps, a wall-clock deadline, and the grader as a child subreaper
 * that kills and reaps every descendant before box_run returns.  As root, the
 * box runs as a per-grader uid (BOX_UID_BASE + the grader's pid: unique among
 * live graders, so RLIMIT_NPROC counts only this run and parallel graders
 * never share a uid); root ignores RLIMIT_NPROC and could read everything.
 *
 * Layer "bubblewrap": bwrap with new user/pid/net/ipc/uts(/cgroup) namespaces,
 * only /usr (+ the /bin,/lib* symlinks, ld.so.cache, /etc/alternatives)
 * read-only, inputs at /box (ro), size-capped tmpfs for /tmp, /var/tmp,
 * /dev/shm and $HOME, /out bound to a scratch dir copied back to req->outdir,
 * /dev/kvm only when asked.  Probed once per process.
 *
 * Layer "fallback" (bwrap missing or unable to start, or
 * VIRTLAB_SANDBOX=fallback): the same process handling plus no_new_privs, a
 * seccomp filter (no ptrace, mount, namespaces, kernel keyrings, bpf, kill(-1)
 * or signals to the grader) and Landlock where the kernel has it (reads: /usr,
 * a few /etc files, the box; writes: the scratch dir only; no TCP; no signals
 * out of the box).  There is no mount namespace, so "/box/" and "/out" can't
 * exist at those paths: an argv or env string that starts with "/box/" or
 * "/out" (or has it right after its first '=', e.g. "K=/box/x") gets the
 * scratch copy's path instead; "-o/out/vmm" is not rewritten, "-o" "/out/vmm"
 * is.  Paths inside scripts are not rewritten either.
 */
#include "sandbox.h"
#include "sandbox/seccomp.h"
#include "sandbox/tree.h"

#include <dirent.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BOX_PATH_ENV "PATH=/usr/local/bin:/usr/bin:/bin"
#define BOX_HOME "/home/box"
/* As root, the box runs as BOX_UID_BASE + getpid() (VIRTLAB_BOX_UID_BASE overrides). */
#define BOX_UID_BASE 1500000000u
/* bwrap's tmpfs sizes: enough for cc's temporaries, small enough for RAM */
#define BOX_TMP_SIZE "67108864"
#define BOX_SMALL_TMP_SIZE "8388608"
/* The host-backed scratch tree: as much as bwrap's /tmp, and enough entries
 * for any compile (cc leaves a handful); checked every BOX_SCRATCH_POLL_S. */
#define BOX_SCRATCH_BYTES ((size_t)64 << 20)
#define BOX_SCRATCH_FILES 20000
#define BOX_SCRATCH_POLL_S 0.05
/* bwrap's fds in the child: --json-status-fd, --seccomp, --block-fd */
#define BW_FD_JSON 3
#define BW_FD_SECCOMP 5
#define BW_FD_BLOCK 6

enum layer { L_UNKNOWN, L_BWRAP, L_FALLBACK };

/* Who the box runs as: ourselves, or (as root) a per-grader unprivileged uid. */
struct ident {
	int drop;
	uid_t uid;
	gid_t gid;
};

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
	};
	return l;
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
	char kvm[PATH_MAX];     /* a private /dev/kvm node for the box uid, or "" */
	int rewrite;            /* no mount namespace: rewrite /box/ and /out */
};

static int path_join(char *dst, const char *a, const char *b)
{
	int n = snprintf(dst, PATH_MAX, "%s/%s", a, b);
	return (n < 0 || n >= PATH_MAX) ? -1 : 0;
}

static void scratch_remove(struct scratch *s)
{
	if (s->root[0])
		tree_remove(s->root);
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

static int scratch_make(struct scratch *s, const struct box_req *req,
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
	if (path_join(s->box, s->root, "box") || path_join(s->out, s->root, "out") ||
	    path_join(s->home, s->root, "home") || path_join(s->tmp, s->root, "tmp") ||
	    mkdir(s->box, 0755) || mkdir(s->out, 0755) || mkdir(s->home, 0700) ||
	    mkdir(s->tmp, 0700) || scratch_own(s, id)) {
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
	int over_scratch;       /* killed for its scratch tree: SIGXFSZ */
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

/* ---------- identity ---------- */

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

/* Tasks (threads: what RLIMIT_NPROC counts) of uid's processes now. */
static long count_uid_tasks(uid_t uid)
{
	long n = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] < '0' || e->d_name[0] > '9' ||
		    fstatat(dirfd(d), e->d_name, &st, 0) != 0 || st.st_uid != uid)
			continue;
		char path[300], line[128];
		long threads = 1;
		snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
		FILE *f = fopen(path, "re");
		while (f && fgets(line, sizeof line, f))
			if (sscanf(line, "Threads: %ld", &threads) == 1)
				break;
		if (f)
			fclose(f);
		n += threads;
	}
	if (d)
		closedir(d);
	return n;
}

/* ---------- /dev/kvm for the box ---------- */

struct kvm_plan {
	int want;
	gid_t extra_gid;        /* supplementary group that may open /dev/kvm, or 0 */
	const char *src;        /* what to expose at /dev/kvm: "/dev/kvm" or a private node */
	int need_mountns;       /* fallback as root: bind src over /dev/kvm in a private mount ns */
};

/*
 * A dropped uid can't open a root-only /dev/kvm: give it the device's group
 * when that group may use it, else a private node (same device numbers) owned
 * by the box uid in the scratch dir, which is removed after the run.
 */
static int kvm_prepare(struct kvm_plan *k, struct scratch *s, const struct ident *id,
		       enum layer layer)
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
	if (path_join(s->kvm, s->root, "kvm") != 0 ||
	    mknod(s->kvm, S_IFCHR | 0600, st.st_rdev) != 0 ||
	    chown(s->kvm, id->uid, id->gid) != 0)
		return -1;
	k->src = s->kvm;
	k->need_mountns = (layer == L_FALLBACK);
	return 0;
}

/* ---------- Landlock (fallback layer) ---------- */

/* Our own copy of the ABI: Debian's headers predate the net and scope fields. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};
struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

#define LL_EXEC (1ull << 0)
#define LL_WRITE (1ull << 1)
#define LL_READ (1ull << 2)
#define LL_READ_DIR (1ull << 3)
#define LL_FS_V1 ((1ull << 13) - 1)
#define LL_REFER (1ull << 13)
#define LL_TRUNCATE (1ull << 14)
#define LL_IOCTL_DEV (1ull << 15)
#define LL_RO (LL_EXEC | LL_READ | LL_READ_DIR)

/*
 * The kernel's Landlock ABI; VIRTLAB_LANDLOCK_ABI=N caps it (tests use it to
 * play an older kernel: 4 is Ubuntu 24.04's 6.8, which can't scope signals
 * or abstract sockets; 0 is no Landlock), never raises it.
 */
static int ll_abi(void)
{
#ifdef SYS_landlock_create_ruleset
	static int abi = -2;
	if (abi == -2)
		abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, 1u /* VERSION */);
	const char *cap = getenv("VIRTLAB_LANDLOCK_ABI");
	if (cap && *cap >= '0' && *cap <= '9' && atoi(cap) < abi)
		return atoi(cap) > 0 ? atoi(cap) : -1;
	return abi;
#else
	return -1;
#endif
}

static uint64_t ll_fs_mask(int abi)
{
	uint64_t m = LL_FS_V1;
	if (abi >= 2)
		m |= LL_REFER;
	if (abi >= 3)
		m |= LL_TRUNCATE;
	if (abi >= 5)
		m |= LL_IOCTL_DEV;
	return m;
}

static void ll_allow(int rfd, const char *path, uint64_t access, uint64_t mask)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		access &= LL_EXEC | LL_WRITE | LL_READ | LL_TRUNCATE | LL_IOCTL_DEV;
	struct ll_path_beneath pb = { access & mask, fd };
	syscall(SYS_landlock_add_rule, rfd, 1 /* PATH_BENEATH */, &pb, 0);
	close(fd);
}

/* Reads: /usr, what cc needs in /etc, a few /dev nodes, the box. Writes: scratch. */
static int landlock_install(const struct scratch *s, int kvm)
{
	int abi = ll_abi();
	if (abi < 1) {
		errno = ENOSYS;
		return -1;
	}
	uint64_t mask = ll_fs_mask(abi);
	struct ll_ruleset_attr attr = { mask, 0, 0 };
	size_t size = sizeof attr.handled_access_fs;
	if (abi >= 4) {
		attr.handled_access_net = 3;  /* bind and connect TCP */
		size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = 3;  /* abstract unix sockets and signals out of the box */
		size = sizeof attr;
	}
	int rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (rfd < 0)
		return -1;
	static const char *ro[] = { "/usr", "/bin", "/sbin", "/lib", "/lib64",
				    "/etc/ld.so.cache", "/etc/alternatives", "/dev/urandom",
				    "/dev/random", "/proc/self" };
	for (size_t i = 0; i < sizeof ro / sizeof *ro; i++)
		ll_allow(rfd, ro[i], LL_RO, mask);
	static const char *dev_rw[] = { "/dev/null", "/dev/zero", "/dev/full" };
	for (size_t i = 0; i < sizeof dev_rw / sizeof *dev_rw; i++)
		ll_allow(rfd, dev_rw[i], LL_READ | LL_WRITE | LL_TRUNCATE, mask);
	ll_allow(rfd, s->box, LL_RO, mask);
	ll_allow(rfd, s->out, LL_FS_V1 | LL_TRUNCATE, mask);
	ll_allow(rfd, s->home, LL_FS_V1 | LL_TRUNCATE, mask);
	ll_allow(rfd, s->tmp, LL_FS_V1 | LL_TRUNCATE, mask);
	if (kvm)
		ll_allow(rfd, "/dev/kvm", LL_READ | LL_WRITE | LL_IOCTL_DEV, mask);
	int rc = (int)syscall(SYS_landlock_restrict_self, rfd, 0);
	close(rfd);
	return rc;
}

/* ---------- the child side ---------- */

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

struct child_plan {
	enum layer layer;
	char **argv, **env;
	const char *cwd;
	int in_fd, out_fd, err_fd, report_fd, json_fd, seccomp_fd, block_fd;
	struct box_limits lim;
	struct ident id;
	struct kvm_plan kvm;
	const struct scratch *s;
	pid_t grader;
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
	if (dup3(r, 4, O_CLOEXEC) < 0)
		return -1;
	/* everything else the grader had open stays out of the box */
	syscall(SYS_close_range, 7u, ~0u, 0u);
	return 0;
}

/* Fallback as root with a private /dev/kvm node: a mount ns of our own. */
static int kvm_mount(const struct kvm_plan *k)
{
	if (!k->need_mountns)
		return 0;
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -1;
	return mount(k->src, "/dev/kvm", NULL, MS_BIND, NULL);
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

/*
 * The fallback's process limit.  A user namespace of our own (no uid map,
 * no mounts: only for the kernel's per-namespace count, Linux >= 5.14) makes
 * RLIMIT_NPROC count the box's tasks alone; where one can't be had (userns
 * disabled), the box shares its uid's count and gets that count + its own;
 * as root the box's uid is its own anyway (BOX_UID_BASE + grader pid).
 */
static long fallback_nproc(const struct child_plan *p)
{
	if (unshare(CLONE_NEWUSER) == 0 || p->id.drop)
		return p->lim.nproc;   /* our own count, or a uid of our own */
	return count_uid_tasks(getuid()) + p->lim.nproc;
}

static void confine_fallback(const struct child_plan *p)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		child_fail(4, "no_new_privs");
	if (ll_abi() >= 1 && landlock_install(p->s, p->kvm.want) != 0)
		child_fail(4, "landlock");
	/* last: signals only to our own group and to pids younger than us */
	struct box_filter_opts o = { .min_signal_pid = getpid() };
	if (box_filter_install(&o) != 0 && errno != ENOSYS)
		child_fail(4, "seccomp");
}

_Noreturn static void child_run(const struct child_plan *p)
{
	signal(SIGPIPE, SIG_DFL);
	if (child_fds(p) != 0)
		child_fail(p->report_fd, "fds");
	if (setsid() < 0)
		child_fail(4, "setsid");
	if (kvm_mount(&p->kvm) != 0)
		child_fail(4, "private /dev/kvm");
	if (drop_privs(p) != 0)
		child_fail(4, "dropping to the box uid");
	/* after the uid change, which clears it: the box dies with the grader */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != p->grader)
		_exit(127);
	if (chdir(p->cwd) != 0)
		child_fail(4, "chdir");
	/* bwrap as root: the box's uid is its own, so its count is the box's already */
	apply_limits(&p->lim, p->layer == L_FALLBACK ? fallback_nproc(p) : p->id.drop ? p->lim.nproc : -1);
	if (p->layer == L_FALLBACK)
		confine_fallback(p);
	execve(p->argv[0], p->argv, p->env);
	child_fail(4, p->argv[0]);
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

/* ---------- the bubblewrap command line ---------- */

struct strvec {
	char **v;
	size_t n, cap;
	char **owned;           /* strings we allocated (freed with the vector) */
	size_t nowned;
};

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

static void sv_free(struct strvec *sv)
{
	free(sv->v);
	memset(sv, 0, sizeof *sv);
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

/* bwrap >= 0.8 can forbid user namespaces inside the box; probed once (pick_layer). */
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
 * The scratch tree on the host disk (no tmpfs can be had unprivileged): over
 * its bytes or entries, the box is killed as if by RLIMIT_FSIZE (SIGXFSZ).
 * RLIMIT_FSIZE bounds each file, this the tree; what the box writes between
 * two checks (BOX_SCRATCH_POLL_S) is the overshoot.
 */
static int scratch_over(const char *root, const struct box_limits *lim)
{
	struct tree_usage u;
	return tree_measure(root, lim->scratch_bytes, lim->scratch_files, &u) == 1;
}

struct capture_ctx {
	struct watch *w;
	struct stream *out, *err;
	double deadline;
	const struct pidset *before;
	const char *scratch;            /* root of the scratch tree */
	const struct box_limits *lim;
};

/*
 * The capture loop: reads both streams until the main process has exited and
 * both pipes hit EOF, enforcing the deadline, the stdout cap and the scratch
 * cap.  Once the main process is gone, or on a limit, the whole box is killed
 * so the pipes close even if a descendant kept them.
 */
static void capture(const struct capture_ctx *c, struct box_result *res)
{
	struct watch *w = c->w;
	struct stream *out = c->out, *err = c->err;
	const struct pidset *before = c->before;
	double deadline = c->deadline, next_check = now_s() + BOX_SCRATCH_POLL_S;
	int out_open = 1, err_open = 1, killed = 0;
	while (out_open || err_open || !w->exited) {
		double t = now_s(), left = deadline - t;
		if (left <= 0 && !killed) {
			res->cause = BOX_TIMEOUT;
			killed = 1;
			kill_group(w->pid);
			reap_all(before, w);
		}
		if (!killed && t >= next_check) {
			next_check = t + BOX_SCRATCH_POLL_S;
			if (scratch_over(c->scratch, c->lim)) {
				w->over_scratch = killed = 1;
				kill_group(w->pid);
				reap_all(before, w);
			}
		}
		struct pollfd pf[3];
		int np = 0, io = -1, ie = -1, ip = -1;
		if (out_open) { io = np; pf[np++] = (struct pollfd){ out->fd, POLLIN, 0 }; }
		if (err_open) { ie = np; pf[np++] = (struct pollfd){ err->fd, POLLIN, 0 }; }
		if (!w->exited && w->pidfd >= 0) { ip = np; pf[np++] = (struct pollfd){ w->pidfd, POLLIN, 0 }; }
		int ms = left <= 0 ? 50 : (int)(left * 1000) + 1;
		if (!killed && ms > (int)(BOX_SCRATCH_POLL_S * 1000))
			ms = (int)(BOX_SCRATCH_POLL_S * 1000);
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
	enum layer layer;
	struct scratch s;
	struct ident id;
	struct kvm_plan kvm;
	struct strvec bw;
	char **argv, **env;
	int pout[2], perr[2], prep[2], pjson[2], pblock[2];
	int in_fd, seccomp_fd;
	char json[4096];        /* what bwrap wrote on --json-status-fd so far */
	size_t json_len;
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
	close_fd(&r->pjson[0]); close_fd(&r->pjson[1]);
	close_fd(&r->pblock[0]); close_fd(&r->pblock[1]);
	close_fd(&r->in_fd);
	close_fd(&r->seccomp_fd);
	close_fd(&r->w.pidfd);
	sv_free(&r->bw);
	free_vec(r->argv);
	free_vec(r->env);
	free(r->before.v);
	free(r->out.buf);
	free(r->err.buf);
	scratch_remove(&r->s);
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
static int bwrap_handshake(struct run *r, double deadline, long nproc, struct box_result *res)
{
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

/* bwrap's --json-status-fd says "child-pid" once the sandbox was set up. */
static int bwrap_started(struct run *r)
{
	close_fd(&r->pjson[1]);
	json_read(r, 0, now_s() + 5);
	return json_child_pid(r) > 1;
}

static int mentions(const char *text, const char *what)
{
	return text && strstr(text, what) != NULL;
}

/* A lack of resources, as the kernel's errors say it. */
static int resource_error(const char *text)
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
	} else if (WIFSIGNALED(st)) {
		res->cause = BOX_SIGNALED;
		res->code = WTERMSIG(st);
	} else if (r->layer == L_BWRAP && WEXITSTATUS(st) > 128 && WEXITSTATUS(st) < 128 + 65) {
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
	if (r->layer == L_BWRAP && (pipe2(r->pjson, O_CLOEXEC) || pipe2(r->pblock, O_CLOEXEC)))
		return -1;
	fcntl(r->pout[0], F_SETFL, O_NONBLOCK);
	fcntl(r->perr[0], F_SETFL, O_NONBLOCK);
	return 0;
}

/* In the bwrap layer argv[0] must exist inside: check the copy or /usr on the host. */
static int program_exists(const struct run *r, const char *argv0)
{
	if (r->layer == L_BWRAP && !strncmp(argv0, "/box/", 5)) {
		char p[PATH_MAX];
		return path_join(p, r->s.box, argv0 + 5) == 0 && access(p, X_OK) == 0;
	}
	return access(argv0, X_OK) == 0;
}

/* The bwrap command line, with the seccomp filter in a memfd when there is one. */
static int prepare_bwrap(struct run *r, const struct box_req *req, struct box_result *res)
{
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
	return 0;
}

static int prepare(struct run *r, const struct box_req *req, struct box_result *res)
{
	if (!req->argv || !req->argv[0]) {
		setup_fail(res, "empty argv", EINVAL);
		return -1;
	}
	r->id = box_ident();
	r->s.rewrite = (r->layer != L_BWRAP);
	if (scratch_make(&r->s, req, &r->id, res) != 0)
		return -1;
	r->kvm.want = req->kvm;
	if (kvm_prepare(&r->kvm, &r->s, &r->id, r->layer) != 0) {
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
	if (r->layer == L_BWRAP && prepare_bwrap(r, req, res) != 0)
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

/* bwrap ran but never set up the box: its first stderr line says why. */
static void bwrap_failed(struct run *r, struct box_result *res)
{
	snprintf(res->diag, sizeof res->diag, "sandbox: bwrap could not start: %.200s",
		 r->err.len ? r->err.buf : "(no message)");
	char *nl = strchr(res->diag, '\n');
	if (nl)
		*nl = 0;
	res->cause = BOX_SETUP_FAIL;
}

/* Forks the box's first process; the parent side returns its pid or -1. */
static pid_t start_child(struct run *r, const struct box_req *req)
{
	static char *no_env[] = { NULL };
	int bw = r->layer == L_BWRAP;
	struct child_plan plan = {
		.layer = r->layer, .argv = bw ? r->bw.v : r->argv, .env = bw ? no_env : r->env,
		.cwd = bw ? "/" : r->s.tmp,
		.in_fd = r->in_fd, .out_fd = r->pout[1], .err_fd = r->perr[1],
		.report_fd = r->prep[1], .json_fd = r->pjson[1], .seccomp_fd = r->seccomp_fd,
		.block_fd = r->pblock[0], .lim = req->lim, .id = r->id, .kvm = r->kvm, .s = &r->s,
		.grader = getpid(),
	};
	pid_t pid = fork();
	if (pid == 0)
		child_run(&plan);
	return pid;
}

static int run_layer(enum layer layer, const struct box_req *req, struct box_result *res)
{
	memset(res, 0, sizeof *res);
	struct run r = { .layer = layer, .pout = { -1, -1 }, .perr = { -1, -1 },
			 .prep = { -1, -1 }, .pjson = { -1, -1 }, .pblock = { -1, -1 },
			 .in_fd = -1, .seccomp_fd = -1, .w = { .pidfd = -1 } };
	double t0 = now_s(), deadline = t0 + req->lim.wall_s;
	/* Orphans of the box re-parent to us, so we can kill and reap them all. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	list_children(&r.before);
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
	    (layer == L_BWRAP && bwrap_handshake(&r, deadline, req->lim.nproc, res) != 0)) {
		kill_group(r.w.pid);
		reap_all(&r.before, &r.w);
		goto out;
	}
	struct capture_ctx c = { &r.w, &r.out, &r.err, deadline, &r.before, r.s.root, &req->lim };
	capture(&c, res);
	reap_all(&r.before, &r.w);
	if (layer == L_BWRAP && !bwrap_started(&r)) {
		bwrap_failed(&r, res);
		goto out;
	}
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
	run_free(&r);
	return rc;
}

/* ---------- picking the layer, once per process ---------- */

static enum layer g_layer = L_UNKNOWN;
static char g_desc[600];

static void fallback_desc(const char *why)
{
	int abi = ll_abi();
	const char *ll = abi >= 6 ? "landlock on (reads /usr, writes the scratch dir only, no TCP, "
				    "no signals out)"
		       : abi >= 1 ? "landlock on (reads /usr, writes the scratch dir only)"
				  : "no landlock: files readable/writable by the box uid are exposed";
	snprintf(g_desc, sizeof g_desc,
		 "fallback: %s; no namespaces: the box sees the host's pids%s and network%s; "
		 "%s; seccomp (no sockets, no signals to older processes) + no_new_privs + "
		 "rlimits%s",
		 why, abi >= 6 ? "" : " (and may signal younger ones)", abi >= 4 ? " (but no TCP)" : "",
		 ll, geteuid() == 0 ? " + unprivileged uid" : "");
}

/* One loud warning, naming what the fallback can't stop and how to get bwrap. */
static void warn_fallback(void)
{
	fprintf(stderr,
		"virtlab: WARNING: sandbox %s\n"
		"virtlab: to enable the bubblewrap sandbox: `sudo apt install bubblewrap`; on Ubuntu "
		"24.04+ also `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`\n",
		g_desc);
}

static void use_fallback(const char *why)
{
	g_layer = L_FALLBACK;
	fallback_desc(why);
	warn_fallback();
}

/* The probe: the real setup, running /usr/bin/true.  0 when it ran; else why[] says why not. */
static int bwrap_probe(char *why, size_t len)
{
	char *argv[] = { "true", NULL };
	char *env[] = { NULL };
	struct box_req req = { .argv = argv, .env = env, .lim = box_default_limits() };
	struct box_result res;
	int rc = run_layer(L_BWRAP, &req, &res);
	int ok = rc == 0 && res.cause == BOX_EXITED && res.code == 0;
	snprintf(why, len, "%.200s", res.diag[0] ? res.diag : res.err);
	char *nl = strchr(why, '\n');
	if (nl)
		*nl = 0;
	box_result_free(&res);
	return ok ? 0 : -1;
}

static void pick_layer(void)
{
	const char *force = getenv("VIRTLAB_SANDBOX");
	if (force && !strcmp(force, "fallback")) {
		use_fallback("forced by VIRTLAB_SANDBOX=fallback");
		return;
	}
	int forced = force && !strcmp(force, "bwrap");
	if (!forced && access(bwrap_path(), X_OK) != 0) {
		use_fallback("bwrap is not installed");
		return;
	}
	char why[300];
	int ok = bwrap_probe(why, sizeof why) == 0;
	if (!ok && !resource_error(why)) {
		/* bwrap < 0.8, or a kernel that won't let it: the filter still denies userns */
		g_bw_disable_userns = 0;
		ok = bwrap_probe(why, sizeof why) == 0;
	}
	if (ok || forced || resource_error(why)) {
		/* chosen: from now on a bwrap that can't start is a grader error, never a switch */
		g_layer = L_BWRAP;
		snprintf(g_desc, sizeof g_desc, "bubblewrap");
		if (!ok)
			fprintf(stderr, "virtlab: WARNING: sandbox bubblewrap%s cannot start now (%s): "
				"every run will be a grader error\n", forced ? " (VIRTLAB_SANDBOX=bwrap)" : "",
				why);
		return;
	}
	char desc[340];
	snprintf(desc, sizeof desc, "bwrap cannot start here (%s)", why);
	use_fallback(desc);
}

const char *box_layer(void)
{
	if (g_layer == L_UNKNOWN)
		pick_layer();
	return g_layer == L_BWRAP ? "bubblewrap" : g_desc;
}

const char *box_layer_kind(void)
{
	box_layer();
	return g_layer == L_BWRAP ? "bwrap" : "fallback";
}

int box_run(const struct box_req *req, struct box_result *res)
{
	box_layer();
	return run_layer(g_layer, req, res);
}

void box_result_free(struct box_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}
