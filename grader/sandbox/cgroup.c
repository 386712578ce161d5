/*
 * cgroup.c — a cgroup per box, wherever the kit can make one: fair CPU
 * between boxes (one weight per box, however many tasks it forks), pids.max,
 * and the box's CPU time read from the
 * cgroup (every task, reaped or not) for its budget (DESIGN.md "Budgets, not
 * wall clocks").  Stacked on whichever layer runs (core.c's box_addons[]).
 *
 * Made with Debian's libcgroup (2.0.x: v1 and v2): it finds the hierarchies
 * and where this process sits in each, creates the group with its values,
 * and deletes it.  The box joins in its first process, before anything else
 * (cgroup.procs opened here, written "0" there: no allocation after fork, no
 * window in which it could fork outside).
 *
 *   cgroup v1 (cpu, cpuacct, pids hierarchies): a child of this
 *     process's cgroup in each; needs write access there (root).
 *   cgroup v2: a child of this process's cgroup, with cpu and pids enabled
 *     in its cgroup.subtree_control, which the kernel allows only
 *     where this cgroup is writable (root, or a delegated subtree such as
 *     `systemd-run --user --scope -p Delegate=yes`) and holds no process
 *     (else this process moves to a leaf of its own first, when it may).
 *   Neither: no cgroup; the layer's fallback stands (no new sessions in the
 *     box, the box's total CPU counted by cpu.c).  box_cgroup_describe() says
 *     which, and why not.  VIRTLAB_CGROUP=0 turns it off.
 */
#include "box.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef VIRTLAB_HAVE_LIBCGROUP
#include <libcgroup.h>

/*
 * Memory: the whole box's (memory.max / memory.limit_in_bytes, lim.mem_bytes).
 * The cgroup is charged what the box's tasks hold and the page cache and tmpfs
 * pages they write: bwrap's tmpfs mounts (88 MiB) and the fallback's scratch
 * tree (64 MiB + what is written between two checks), so the limit is far
 * above those (BOX_MEM_BYTES): they end in ENOSPC or SIGXFSZ as before, never
 * in reclaim (a limit close to them stalled the fallback's scratch_fill in
 * writeback at the safety net: a grader error).  Over the limit the kernel's
 * OOM killer ends a task; the grader then ends the box and says why
 * (box_result.over_memory): the program's doing, never a crash or starvation.
 * The memory controller is optional: without it the box still gets cpu and
 * pids, and memory stays RLIMIT_AS per process.
 */
#define CG_NCTL 4
#define CG_MEM 3
static const char *const cg_ctl[CG_NCTL] = { "cpu", "cpuacct", "pids", "memory" };

/* What this process found once: per controller, its hierarchy's mount point
 * and our place in it ("" when the controller is absent). */
static struct {
	int done, version;              /* 0: none, 1, 2 */
	char mount[CG_NCTL][PATH_MAX];
	char here[CG_NCTL][PATH_MAX];
	char why[200];
	unsigned seq;
} cg;

static int is_v2(const char *mount)
{
	char p[PATH_MAX];
	return snprintf(p, sizeof p, "%s/cgroup.controllers", mount) < (int)sizeof p && access(p, F_OK) == 0;
}

static void cg_no(const char *fmt, const char *what)
{
	snprintf(cg.why, sizeof cg.why, fmt, what);
	cg.version = 0;
}

/* Can a child be made in our cgroup of controller i? */
static int writable(int i)
{
	char p[PATH_MAX * 2];
	snprintf(p, sizeof p, "%s%s", cg.mount[i], cg.here[i]);
	return access(p, W_OK) == 0;
}

/* Writes text to <mount><here>[/sub]/file; 0 or -1. */
static int put(const char *sub, const char *file, const char *text)
{
	char p[PATH_MAX * 2 + 64];
	snprintf(p, sizeof p, "%s%s%s%s/%s", cg.mount[0], cg.here[0], sub ? "/" : "", sub ? sub : "", file);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/*
 * cgroup v2 gives controllers to children only of a cgroup with no process of
 * its own ("no internal processes"): in a delegated scope we are such a
 * process.  Move into a leaf of our own, virtlab-grader-<pid>, and enable the
 * controllers for our cgroup's children (the boxes, the leaf's siblings); if
 * the kernel refuses (someone else is in our cgroup), move back.
 */
static int v2_enable(void)
{
	if (put(NULL, "cgroup.subtree_control", "+cpu +pids") != 0)
		return -1;
	if (cg.mount[CG_MEM][0] && put(NULL, "cgroup.subtree_control", "+memory") != 0)
		cg.mount[CG_MEM][0] = 0;   /* not offered to us: cpu and pids alone */
	return 0;
}

static int v2_to_leaf(void)
{
	char leaf[64], p[PATH_MAX * 2 + 64];
	snprintf(leaf, sizeof leaf, "virtlab-grader-%d", (int)getpid());
	snprintf(p, sizeof p, "%s%s/%s", cg.mount[0], cg.here[0], leaf);
	if (v2_enable() == 0)
		return 0;   /* already allowed (nobody else in our cgroup, or root's) */
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		return -1;
	if (put(leaf, "cgroup.procs", "0") == 0 && v2_enable() == 0)
		return 0;
	put(NULL, "cgroup.procs", "0");
	rmdir(p);
	return -1;
}

/* Our place in the unified hierarchy: /proc/self/cgroup's "0::<path>" line
 * (libcgroup 2.0.2's cgroup_get_current_controller_path() fails on a v2-only
 * machine: seen under Debian 12's kernel, make test-cgroup2). */
static int v2_here(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[PATH_MAX];
	int ok = 0;
	while (f && !ok && fgets(line, sizeof line, f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(out, len, "%s", strcmp(line + 3, "/") ? line + 3 : "");
			ok = 1;
		}
	if (f)
		fclose(f);
	return ok;
}

static void cg_find(void)
{
	cg.done = 1;
	const char *off = getenv("VIRTLAB_CGROUP");
	if (off && !strcmp(off, "0"))
		return cg_no("%s", "VIRTLAB_CGROUP=0");
	cgroup_set_logger(NULL, 0, NULL);   /* its default logs to stdout, our report's: we say why ourselves */
	int e = cgroup_init();
	if (e)
		return cg_no("libcgroup: %s", cgroup_strerror(e));
	for (int i = 0; i < CG_NCTL; i++) {
		char *mp = NULL, *cur = NULL;
		if (cgroup_get_subsys_mount_point(cg_ctl[i], &mp) != 0)
			;
		else if (cgroup_get_current_controller_path(getpid(), cg_ctl[i], &cur) == 0) {
			snprintf(cg.mount[i], PATH_MAX, "%s", mp);
			snprintf(cg.here[i], PATH_MAX, "%s", strcmp(cur, "/") ? cur : "");
		} else if (is_v2(mp) && v2_here(cg.here[i], PATH_MAX)) {
			snprintf(cg.mount[i], PATH_MAX, "%s", mp);
		}
		free(mp);
		free(cur);
	}
	if (!cg.mount[0][0])
		return cg_no("%s", "no cpu controller mounted");
	cg.version = is_v2(cg.mount[0]) ? 2 : 1;
	if (cg.version == 1 && !cg.mount[1][0])
		return cg_no("%s", "cgroup v1 without cpuacct (the box's CPU time)");
	if (cg.mount[CG_MEM][0] && !writable(CG_MEM))
		cg.mount[CG_MEM][0] = 0;   /* optional: cpu and pids without it */
	for (int i = 0; i < CG_NCTL; i++)
		if (cg.mount[i][0] && !writable(i))
			return cg_no("our %s cgroup is not writable (not root, not delegated)", cg_ctl[i]);
	if (cg.version == 2 && v2_to_leaf() != 0)   /* a container's namespace root too */
		return cg_no("cgroup v2: can't enable cpu, pids for children of %.100s/ "
			     "(other processes in it?)", cg.here[0]);
}

/* Controllers i whose hierarchy (mount + our place) is the same as j's. */
static int same_place(int i, int j)
{
	return !strcmp(cg.mount[i], cg.mount[j]) && !strcmp(cg.here[i], cg.here[j]);
}

static void set_values(struct cgroup_controller *c, const char *ctl, const struct box_limits *lim)
{
	if (!strcmp(ctl, "cpu"))
		cgroup_add_value_uint64(c, cg.version == 2 ? "cpu.weight" : "cpu.shares",
					cg.version == 2 ? 100 : 1024);
	else if (!strcmp(ctl, "pids"))   /* the box's own, plus bwrap's two */
		cgroup_add_value_uint64(c, "pids.max", (uint64_t)lim->nproc + 8);
	else if (!strcmp(ctl, "memory"))
		cgroup_add_value_uint64(c, cg.version == 2 ? "memory.max" : "memory.limit_in_bytes",
					(uint64_t)lim->mem_bytes);
}

static void cg_close(struct box_cg *b)
{
	for (int i = 0; i < b->n; i++) {
		close_fd(&b->procs[i]);
		struct cgroup *g = b->g[i];
		if (g) {
			cgroup_delete_cgroup_ext(g, CGFLAG_DELETE_EMPTY_ONLY);   /* every task was reaped: no migration (its close waits ~100 ms on v1) */
			cgroup_free(&g);
			b->g[i] = NULL;
		}
	}
	close_fd(&b->usage_fd);
	close_fd(&b->mem_events_fd);
	close_fd(&b->mem_fail_fd);
	b->n = 0;
}

/* Opens <mount><here>/<name>/<file>. */
static int open_in(int i, const char *name, const char *file, int flags)
{
	char p[PATH_MAX * 2 + 128];
	snprintf(p, sizeof p, "%s%s/%s/%s", cg.mount[i], cg.here[i], name, file);
	return open(p, flags | O_CLOEXEC);
}

/*
 * The box's memory cgroup, past what libcgroup set: no swap (a box over its
 * limit is killed, not slowed to the safety net: without these, where the
 * kernel has the files), v2's memory.oom.group (an OOM kill ends every task
 * of the box at once); then its counters, opened for box_memory().
 */
static int mem_open(struct box_cg *b, const char *name)
{
	static const char *const opt[2][2][2] = {
		{ { "memory.swappiness", "0" }, { "memory.memsw.limit_in_bytes", NULL } },
		{ { "memory.oom.group", "1" }, { "memory.swap.max", "0" } },
	};
	for (int k = 0; k < 2; k++) {
		const char *file = opt[cg.version == 2][k][0], *val = opt[cg.version == 2][k][1];
		char num[32];
		if (!val)   /* v1: memory + swap = memory alone */
			snprintf(num, sizeof num, "%zu", b->mem_bytes), val = num;
		int fd = open_in(CG_MEM, name, file, O_WRONLY);   /* absent (no swap accounting): no swap to stop */
		if (fd >= 0) {
			ssize_t w = write(fd, val, strlen(val));
			(void)w;   /* refused: the kernel's default stands */
			close(fd);
		}
	}
	b->mem_events_fd = open_in(CG_MEM, name, cg.version == 2 ? "memory.events" : "memory.oom_control", O_RDONLY);
	if (cg.version == 1)
		b->mem_fail_fd = open_in(CG_MEM, name, "memory.failcnt", O_RDONLY);
	return b->mem_events_fd < 0 || (cg.version == 1 && b->mem_fail_fd < 0) ? -1 : 0;
}

/* One group per distinct place, holding every controller found there. */
static int cg_make(struct box_cg *b, const struct box_limits *lim)
{
	char name[64];
	snprintf(name, sizeof name, "virtlab-box-%d-%u", (int)getpid(), ++cg.seq);
	int placed[CG_NCTL] = { 0 };
	for (int i = 0; i < CG_NCTL; i++) {
		if (!cg.mount[i][0] || placed[i] || (i == CG_MEM && !lim->mem_bytes))
			continue;
		char full[PATH_MAX + 64];
		snprintf(full, sizeof full, "%s/%s", cg.here[i], name);
		struct cgroup *g = cgroup_new_cgroup(full);
		for (int j = i; j < CG_NCTL && g; j++)
			if (cg.mount[j][0] && !placed[j] && same_place(i, j) &&
			    !(j == CG_MEM && !lim->mem_bytes)) {
				placed[j] = 1;
				struct cgroup_controller *c = cgroup_add_controller(g, cg_ctl[j]);
				if (c)
					set_values(c, cg_ctl[j], lim);
			}
		b->g[b->n] = g;
		b->procs[b->n] = -1;
		int e = g ? cgroup_create_cgroup(g, 0) : ECGFAIL;
		b->n++;
		if (e) {
			snprintf(cg.why, sizeof cg.why, "creating %.100s: %.60s", full, cgroup_strerror(e));
			return -1;
		}
		b->procs[b->n - 1] = open_in(i, name, "cgroup.procs", O_WRONLY);
		if (b->procs[b->n - 1] < 0)
			return -1;
	}
	int u = cg.version == 2 ? 0 : 1;   /* v2: cpu.stat's usage_usec; v1: cpuacct.usage (ns) */
	b->usage_fd = open_in(u, name, cg.version == 2 ? "cpu.stat" : "cpuacct.usage", O_RDONLY);
	if (b->usage_fd < 0)
		return -1;
	return cg.mount[CG_MEM][0] && lim->mem_bytes ? mem_open(b, name) : 0;
}

/* Parent, before fork: a cgroup for this run, or none (the fallback stands). */
static int cg_prepare_(struct box_cg *b, const struct box_limits *lim)
{
	memset(b, 0, sizeof *b);
	b->usage_fd = b->mem_events_fd = b->mem_fail_fd = -1;
	b->mem_bytes = lim->mem_bytes;
	if (!cg.done)
		cg_find();
	if (!cg.version)
		return 0;
	if (cg_make(b, lim) != 0) {
		cg_close(b);
		return 0;
	}
	b->on = cg.version;
	return 0;
}

/* The box's CPU, seconds, from the cgroup (every task, reaped or not); -1: none. */
static double cg_cpu_(const struct box_cg *b)
{
	if (!b || !b->on)
		return -1;
	char buf[512];
	ssize_t n = pread(b->usage_fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	unsigned long long v;
	if (b->on == 1)
		return sscanf(buf, "%llu", &v) == 1 ? (double)v / 1e9 : -1;
	const char *p = strstr(buf, "usage_usec ");
	return p && sscanf(p + 11, "%llu", &v) == 1 ? (double)v / 1e6 : -1;
}

/* The number after "key " in fd's text (a flat-keyed cgroup file), or -1. */
static long long read_key(int fd, const char *key)
{
	char buf[1024];
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	size_t kl = strlen(key);
	for (char *p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		long long v;
		if (!strncmp(p, key, kl) && p[kl] == ' ' && sscanf(p + kl + 1, "%lld", &v) == 1)
			return v;
	}
	return -1;
}

/* 2: the kernel's OOM killer ended a task of the box (over its memory limit);
 * 1: the box reached its limit (reclaimed its own pages); 0: neither or no memory cgroup. */
static int cg_memory_(const struct box_cg *b)
{
	if (!b || !b->on || b->mem_events_fd < 0)
		return 0;
	if (read_key(b->mem_events_fd, "oom_kill") > 0)
		return 2;
	if (b->on == 2)
		return read_key(b->mem_events_fd, "max") > 0;
	char buf[32];
	ssize_t n = pread(b->mem_fail_fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	return atoll(buf) > 0;
}

static void cg_finish_(struct box_cg *b)
{
	if (b->n || b->usage_fd >= 0 || b->mem_events_fd >= 0)
		cg_close(b);
	b->on = 0;
}

const char *box_cgroup_describe(void)
{
	static char d[240];
	if (!cg.done)
		cg_find();
	if (cg.version)
		snprintf(d, sizeof d, "cgroup v%d%s", cg.version,
			 cg.mount[CG_MEM][0] ? " with memory" : " (no memory controller: RLIMIT_AS per process)");
	else
		snprintf(d, sizeof d, "no cgroup (%s)", cg.why);
	return d;
}

#else   /* built without libcgroup-dev: no cgroup, the fallback stands */

static int cg_prepare_(struct box_cg *b, const struct box_limits *lim)
{
	(void)lim;
	memset(b, 0, sizeof *b);
	b->usage_fd = b->mem_events_fd = b->mem_fail_fd = -1;
	return 0;
}

static int cg_memory_(const struct box_cg *b)
{
	(void)b;
	return 0;
}

static double cg_cpu_(const struct box_cg *b)
{
	(void)b;
	return -1;
}

static void cg_finish_(struct box_cg *b)
{
	b->on = 0;
}

const char *box_cgroup_describe(void)
{
	return "no cgroup (built without libcgroup-dev)";
}
#endif

/* Child, first thing after fork (still root where we are): join the box's
 * cgroups.  Only a write per hierarchy: no allocation. */
static int cg_join(const struct child_plan *p)
{
	const struct box_cg *b = p->cg;
	for (int i = 0; b && b->on && i < b->n; i++)
		if (b->procs[i] >= 0 && write(b->procs[i], "0", 1) != 1)
			return -1;
	return 0;
}

static int cg_prepare(struct run *r, struct box_result *res)
{
	(void)res;
	return cg_prepare_(&r->cg, &r->req->lim);
}

static double cg_cpu(const struct run *r)
{
	return cg_cpu_(&r->cg);
}

static int cg_memory(const struct run *r)
{
	return cg_memory_(&r->cg);
}

static void cg_finish(struct run *r)
{
	cg_finish_(&r->cg);
}

const struct box_addon box_cgroup = {
	.name = "cgroup", .prepare = cg_prepare, .join = cg_join, .cpu = cg_cpu, .memory = cg_memory,
	.finish = cg_finish,
};
