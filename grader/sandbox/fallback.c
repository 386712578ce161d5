/*
 * fallback.c — layer "fallback", for when bwrap can't start (missing, or
 * Ubuntu 24.04's AppArmor userns restriction) or VIRTLAB_SANDBOX=fallback:
 * core.c's process handling plus no_new_privs, the seccomp filter (with the
 * signal-target rule: no pid namespace here), Landlock where the kernel has
 * it (reads: /usr, a few /etc files, the box and the trusted inputs it links
 * to; writes: the scratch dir only; no TCP; no signals or abstract sockets
 * out of the box from ABI 6), and a user namespace of its own so that
 * RLIMIT_NPROC counts the box's tasks, with an IPC namespace in it.
 * There is no mount namespace, so "/box/" and "/out" can't exist at those
 * paths: an argv or env string that starts with "/box/" or "/out" (or has it
 * right after its first '=', e.g. "K=/box/x") gets the scratch copy's path
 * instead; "-o/out/vmm" is not rewritten, "-o" "/out/vmm" is.  Paths inside
 * scripts are not rewritten either.  It warns once, naming what it can't stop.
 */
#include "box.h"
#include "seccomp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

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
	for (size_t i = 0; i < s->nshown; i++)   /* trusted inputs: box/<name> links to them */
		ll_allow(rfd, s->shown[i], LL_RO, mask);
	ll_allow(rfd, s->out, LL_FS_V1 | LL_TRUNCATE, mask);
	ll_allow(rfd, s->home, LL_FS_V1 | LL_TRUNCATE, mask);
	ll_allow(rfd, s->tmp, LL_FS_V1 | LL_TRUNCATE, mask);
	if (kvm)
		ll_allow(rfd, "/dev/kvm", LL_READ | LL_WRITE | LL_IOCTL_DEV, mask);
	int rc = (int)syscall(SYS_landlock_restrict_self, rfd, 0);
	close(rfd);
	return rc;
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

/* As root with a private /dev/kvm node (see kvm_prepare): a mount ns of our own. */
static int kvm_mount(const struct child_plan *p)
{
	const struct kvm_plan *k = &p->kvm;
	if (!k->need_mountns)
		return 0;
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -1;
	return mount(k->src, "/dev/kvm", NULL, MS_BIND, NULL);
}

/* In the box's child only (after fork): did it get an IPC namespace yet? */
static int g_own_ipc;

static int fallback_privileged(const struct child_plan *p)
{
	if (kvm_mount(p) != 0)
		child_fail(BOX_FD_REPORT, "private /dev/kvm");
	g_own_ipc = unshare(CLONE_NEWIPC) == 0;   /* root: no user namespace needed */
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
	/* The IPC namespace too, owned by the new user namespace: SysV segments,
	 * queues and semaphores of the box's own, gone with it (seccomp denies
	 * the calls as well). Without user namespaces: seccomp alone. */
	int userns = !g_own_ipc && unshare(CLONE_NEWUSER | CLONE_NEWIPC) == 0;
	if (userns || unshare(CLONE_NEWUSER) == 0 || p->id.drop)
		return p->lim.nproc;   /* our own count, or a uid of our own */
	return count_uid_tasks(getuid()) + p->lim.nproc;
}

static void confine_fallback(const struct child_plan *p)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		child_fail(BOX_FD_REPORT, "no_new_privs");
	if (ll_abi() >= 1 && landlock_install(p->s, p->kvm.want) != 0)
		child_fail(BOX_FD_REPORT, "landlock");
	/* last: signals only to our own group and to pids younger than us */
	struct box_filter_opts o = { .min_signal_pid = getpid() };
	if (box_filter_install(&o) != 0 && errno != ENOSYS)
		child_fail(BOX_FD_REPORT, "seccomp");
}

static char g_desc[1024];

static void fallback_desc(const char *why)
{
	int abi = ll_abi();
	const char *ll = abi >= 6 ? "landlock on (reads /usr, writes the scratch dir only, no TCP, "
				    "no signals out)"
		       : abi >= 1 ? "landlock on (reads /usr, writes the scratch dir only)"
		       : geteuid() == 0 ? "no landlock: the box (an unprivileged uid) can read every file any "
					  "user can (the cache is 0700; tighten solution/ and guests/ with "
					  "chmod -R go-rwx, as Gradescope's setup does)"
				  : "NO LANDLOCK AND NOT ROOT: the box runs as your uid and can read everything you "
				    "can, the reference solution, the hidden guests and the cache included: a grade "
				    "made here can't be trusted (install bubblewrap, or grade as root)";
	snprintf(g_desc, sizeof g_desc,
		 "fallback: %s; no pid/net/mount namespaces (an IPC one of its own): the box sees the "
		 "host's pids%s and network%s; %s; seccomp (no sockets, no IPC, no new sessions, "
		 "no signals to older processes) + no_new_privs + "
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

/* Chosen whenever asked: it is the last resort.  Warns once, here. */
static int fallback_choose(int forced, char *why, size_t len)
{
	(void)len;
	fallback_desc(forced ? "forced by VIRTLAB_SANDBOX=fallback" : why[0] ? why : "bwrap unusable");
	warn_fallback();
	return 0;
}

static const char *fallback_describe(void)
{
	return g_desc;
}

const struct box_layer box_fallback = {
	.kind = "fallback",
	.own_namespaces = 0,
	.signal_as_exit = 0,
	.choose = fallback_choose,
	.describe = fallback_describe,
	.child_privileged = fallback_privileged,
	.child_nproc = fallback_nproc,
	.child_confine = confine_fallback,
};
