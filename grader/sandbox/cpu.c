/*
 * cpu.c — what the whole box cost in CPU, while it runs and after: the
 * budget is the box's CPU time (every task: forking buys no more), not the
 * wall clock, which a busy machine stretches (DESIGN.md "Budgets, not wall
 * clocks").
 *
 * The grader is the box's subreaper, so every task of the box is reaped by
 * us or by one of its own processes that we reap: after the run the box's
 * CPU is exactly our RUSAGE_CHILDREN's growth.  While it runs, the live
 * tasks' own and reaped-children's times (/proc/<pid>/stat) are added.  Its
 * tasks' run_delay (/proc/<pid>/task/<tid>/schedstat: time spent runnable
 * but waiting for a CPU) tells a starved box from a sleeping one.
 */
#include "box.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static double tv_s(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

double box_children_cpu(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_CHILDREN, &ru) != 0)
		return 0;
	return tv_s(ru.ru_utime) + tv_s(ru.ru_stime);
}

/* utime+stime+cutime+cstime of a live (or zombie) process, in seconds;
 * *state: its state letter ('R', 'S', 'D': waiting for I/O...). */
static double proc_cpu(pid_t pid, char *state)
{
	*state = '?';
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');   /* the command may hold spaces and parens */
	unsigned long long ut = 0, st = 0;
	long long cut = 0, cst = 0;
	/* after ")": state(3) ... utime(14) stime(15) cutime(16) cstime(17) */
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld",
			 state, &ut, &st, &cut, &cst) != 5)
		return 0;
	return (double)(ut + st + (unsigned long long)cut + (unsigned long long)cst) / (double)sysconf(_SC_CLK_TCK);
}

/* Sum of run_delay (seconds) of pid's threads. */
static double proc_run_delay(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	double s = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p[300];
		snprintf(p, sizeof p, "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
		FILE *f = fopen(p, "re");
		unsigned long long run = 0, wait = 0;
		if (f && fscanf(f, "%llu %llu", &run, &wait) == 2)
			s += (double)wait / 1e9;
		if (f)
			fclose(f);
	}
	closedir(d);
	return s;
}

static void push(struct pidset *s, pid_t p)
{
	if (s->n < 4096)   /* a fork bomb's tail: RLIMIT_NPROC caps the box far below */
		pidset_add(s, p);
}

/* pid's children (every thread's), appended to out. */
static void children_of(pid_t pid, struct pidset *out)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p[300];
		snprintf(p, sizeof p, "/proc/%d/task/%s/children", (int)pid, e->d_name);
		FILE *f = fopen(p, "re");
		long c;
		while (f && fscanf(f, "%ld", &c) == 1)
			if (c > 1)
				push(out, (pid_t)c);
		if (f)
			fclose(f);
	}
	closedir(d);
}

void box_cpu_sample(const struct pidset *before, double base, struct box_cpu *out)
{
	struct pidset all = { 0 }, mine = { 0 };
	list_children(&mine);   /* the box's first process and its orphans (we are subreaper) */
	for (size_t i = 0; i < mine.n; i++) {
		if (!pidset_has(before, mine.v[i]))
			push(&all, mine.v[i]);
	}
	for (size_t i = 0; i < all.n; i++)   /* breadth-first: the set grows as it is walked */
		children_of(all.v[i], &all);
	out->cpu_s = box_children_cpu() - base;
	out->run_delay_s = 0;
	out->in_io = 0;
	for (size_t i = 0; i < all.n; i++) {
		char state;
		out->cpu_s += proc_cpu(all.v[i], &state);
		out->run_delay_s += proc_run_delay(all.v[i]);
		out->in_io += state == 'D';
	}
	free(all.v);
	free(mine.v);
}
