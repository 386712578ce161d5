/*
 * capture.c — the parent's side of a run: stdout/stderr read with poll()
 * under byte caps, the wall-clock deadline, the scratch cap, and the grader
 * as a child subreaper that kills and reaps every descendant of the box.
 */
#include "box.h"
#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* Never signal pid <= 1: kill(0/-1/1) would hit the grader or the machine. */
static void kill_pid(pid_t pid, int sig)
{
	if (pid > 1)
		kill(pid, sig);
}

void kill_group(pid_t pgid)
{
	if (pgid > 1)
		kill(-pgid, SIGKILL);
}

int pidset_has(const struct pidset *s, pid_t p)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == p)
			return 1;
	return 0;
}

void pidset_add(struct pidset *s, pid_t p)
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
void list_children(struct pidset *out)
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

void reap_all(const struct pidset *before, struct watch *w)
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

int stream_init(struct stream *s, int fd, size_t cap)
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

int pidfd_open_(pid_t pid)
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
int scratch_over(const char *root, const struct box_limits *lim)
{
	struct tree_usage u;
	return tree_measure(root, lim->scratch_bytes, lim->scratch_files, &u) == 1;
}

/* The box's CPU now, kept in res as the most seen (a box killed in its pid
 * namespace may take its tasks' times with it: the last sample stands). */
static struct box_cpu sample(const struct capture_ctx *c, struct box_result *res)
{
	struct box_cpu u;
	box_cpu_sample(c->before, c->cpu_base, &u);
	double counted = c->run ? box_addons_cpu(c->run) : -1;   /* a cgroup's count of every task */
	if (counted > u.cpu_s)
		u.cpu_s = counted;
	if (u.cpu_s > res->cpu_s)
		res->cpu_s = u.cpu_s;
	return u;
}

/*
 * The budget's check, every BOX_SCRATCH_POLL_S: 1 when the whole box used its
 * CPU budget; -1 when it has been asleep (neither running nor waiting to run:
 * its CPU and run_delay stood still) for as long as its budget, in wall time:
 * a sleeping or blocked program costs what a spinning one does, not the
 * safety net; 0 otherwise.  *idle_since: when it last moved.
 */
static int budget_check(const struct capture_ctx *c, struct box_result *res, double t, double *moved,
			double *idle_since)
{
	if (c->lim->cpu_budget_s <= 0)
		return 0;
	struct box_cpu u = sample(c, res);
	if (u.cpu_s > c->lim->cpu_budget_s)
		return 1;
	double m = u.cpu_s + u.run_delay_s;
	if (m > *moved + 0.002 || u.in_io) {   /* 2 ms: a sleeper's wake-ups don't count as work */
		*moved = m;
		*idle_since = t;
	}
	return t - *idle_since >= c->lim->cpu_budget_s ? -1 : 0;
}

/*
 * At the wall-clock safety net: starved (the machine's fault) when the box
 * used less than its CPU budget, its tasks spent at least a quarter of the
 * wall time runnable, waiting for a CPU, and it is still moving (ran or
 * waited runnable within BOX_MOVING_WINDOW_S): a sleeper that waited at its
 * start is asleep now.  Asleep (its own doing: blocked or sleeping)
 * otherwise.  Without a budget: never starved.
 */
static int starved_at_deadline(const struct capture_ctx *c, double t, struct box_result *res, double moved,
			       double idle_since)
{
	if (c->lim->cpu_budget_s <= 0)
		return 0;
	struct box_cpu u = sample(c, res);
	int moving = t - idle_since < BOX_MOVING_WINDOW_S || u.cpu_s + u.run_delay_s > moved + 0.002 || u.in_io;
	return moving && u.cpu_s < c->lim->cpu_budget_s && u.run_delay_s >= 0.25 * (t - c->t0);
}

/*
 * The capture loop: reads both streams until the main process has exited and
 * both pipes hit EOF, enforcing the deadline, the stdout cap and the scratch
 * cap.  Once the main process is gone, or on a limit, the whole box is killed
 * so the pipes close even if a descendant kept them.
 */
void capture(const struct capture_ctx *c, struct box_result *res)
{
	struct watch *w = c->w;
	struct stream *out = c->out, *err = c->err;
	const struct pidset *before = c->before;
	double deadline = c->deadline, next_check = now_s() + BOX_SCRATCH_POLL_S;
	double moved = 0, idle_since = c->t0;
	int out_open = 1, err_open = 1, killed = 0, extended = 0;
	while (out_open || err_open || !w->exited) {
		double t = now_s(), left = deadline - t;
		if (left <= 0 && !killed) {
			/* stalled at its own memory limit (reclaim): its doing, not the machine's */
			int over_memory = c->run && box_addons_memory(c->run) > 0;
			int starved = !over_memory && starved_at_deadline(c, t, res, moved, idle_since);
			if (starved && extended < BOX_WALL_EXTENSIONS) {
				/* starved, not asleep: the budget, not the load, should end it */
				extended++;
				deadline = t + c->lim->wall_s;
				continue;
			}
			res->cause = BOX_TIMEOUT;
			res->over_memory = over_memory;
			res->starved = starved;
			/* its last 50 ms may have crossed the budget: then it is its budget */
			res->over_budget = c->lim->cpu_budget_s > 0 && res->cpu_s >= c->lim->cpu_budget_s;
			killed = 1;
			kill_group(w->pid);
			reap_all(before, w);
		}
		if (!killed && t >= next_check) {
			next_check = t + BOX_SCRATCH_POLL_S;
			int spent = budget_check(c, res, t, &moved, &idle_since);
			if (spent) {
				res->cause = BOX_TIMEOUT;
				res->over_budget = spent > 0;
				killed = 1;
				kill_group(w->pid);
				reap_all(before, w);
			} else if (scratch_over(c->scratch, c->lim)) {
				w->over_scratch = killed = 1;
				kill_group(w->pid);
				reap_all(before, w);
			} else if (c->run && box_addons_memory(c->run) == 2) {
				/* a task OOM-killed: the box ends whole (v1 has no oom.group) */
				w->over_memory = killed = 1;
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
