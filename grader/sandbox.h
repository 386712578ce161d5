/*
 * sandbox.h — run one untrusted command (a compile or a student VMM) with
 * limits, capture its output, and leave nothing behind.
 *
 * The grader never runs student code except through box_run(). The
 * implementation (grader/sandbox/: core.c and one file per layer, see box.h)
 * picks a layer once per process: bubblewrap when it can start, else a weaker
 * fallback that says so (box_layer()).
 */
#ifndef VIRTLAB_SANDBOX_H
#define VIRTLAB_SANDBOX_H

#include <stddef.h>

struct box_limits {
	double wall_s;          /* wall-clock deadline: a safety net; the whole box is killed after it */
	int cpu_s;              /* RLIMIT_CPU (per process: a backstop of cpu_budget_s) */
	double cpu_budget_s;    /* CPU time of the whole box (every task), checked every
	                         * BOX_SCRATCH_POLL_S: past it the box is killed (BOX_TIMEOUT,
	                         * over_budget); asleep (neither running nor runnable) for
	                         * this long in wall time, too (BOX_TIMEOUT); 0: none */
	size_t as_bytes;        /* RLIMIT_AS (kvmemu's Unicorn reserves 1 GiB: keep >= 2 GiB) */
	size_t fsize_bytes;     /* RLIMIT_FSIZE */
	int nofile;             /* RLIMIT_NOFILE */
	int nproc;              /* tasks (processes + threads) of the box itself: RLIMIT_NPROC
	                         * set inside the box's own user namespace, where the kernel
	                         * (>= 5.14) counts only the box's tasks (see HACKING.md) */
	size_t out_cap;         /* bytes of stdout kept; past it the run is stopped (BOX_OUT_CAP) */
	size_t err_cap;         /* bytes of stderr kept; the rest is drained and dropped */
	size_t scratch_bytes;   /* the host-backed scratch tree (fallback: /tmp, $HOME, /out;
	                         * bwrap: /out) past which the box is killed with SIGXFSZ */
	long scratch_files;     /* ... or past this many entries in it */
	size_t mem_bytes;       /* memory of the whole box (every task, its tmpfs and page
	                         * cache) where it has a memory cgroup: past it a task is
	                         * OOM-killed and the box ended (over_memory); 0: none */
};

/* An input file, read-only in the box as /box/<name>: a copy, so that the box
 * can't touch the original. A trusted file (the kit's own, e.g. libkvmemu.so;
 * never anything a submission produced or chose) is shown in place instead,
 * read-only, when the box's uid may read it there and can't own it (bwrap:
 * --ro-bind; fallback as root: a symlink and a Landlock read rule for that one
 * file); else it is copied too. Saves copying 20 MB of libunicorn.so.2 per
 * emulated run. */
struct box_file {
	const char *host_path;
	const char *name;
	int trusted;
};

struct box_req {
	char *const *argv;              /* argv[0] as seen inside the box, e.g. "/box/vmm" or "cc" */
	const struct box_file *files;   /* inputs, at /box/ (struct box_file) */
	size_t nfiles;
	char *const *env;               /* the whole environment ("K=V", NULL-terminated); PATH is added */
	int kvm;                        /* bind /dev/kvm into the box */
	const char *outdir;             /* host dir bound writable at /out (compile step), or NULL */
	const char *stdin_path;         /* host file fed to stdin, or NULL for /dev/null */
	int trusted_tree;               /* the processes are the grader's own tools (cc), not
	                                 * the submission's: a fork they were refused is a
	                                 * lack of resources (res->starved), not their doing */
	struct box_limits lim;
};

enum box_cause {
	BOX_EXITED,     /* code = exit status */
	BOX_SIGNALED,   /* code = signal number */
	BOX_TIMEOUT,    /* the CPU budget used (over_budget) or the wall-clock safety net hit */
	BOX_OUT_CAP,    /* stdout exceeded lim.out_cap */
	BOX_SETUP_FAIL, /* the sandbox itself failed: diag says why; never the student's fault */
};

struct box_result {
	enum box_cause cause;
	int code;
	char *out;              /* stdout, NUL-terminated, at most lim.out_cap bytes */
	size_t out_len;
	char *err;              /* stderr, NUL-terminated, at most lim.err_cap bytes */
	size_t err_len;
	int err_truncated;
	double wall_s;
	double cpu_s;           /* CPU time of the whole box, every task (user + system) */
	int over_budget;        /* BOX_TIMEOUT: it used lim.cpu_budget_s (the program's doing) */
	int over_memory;        /* it hit lim.mem_bytes (the program's doing): BOX_SIGNALED,
	                         * SIGKILL when a task of it was OOM-killed (the box is ended
	                         * then), or BOX_TIMEOUT when it stalled at the limit */
	int starved;            /* the box could not start, or (trusted_tree) a tool in it could
	                         * not fork, for lack of resources, or it hit the wall clock
	                         * having used less than its CPU budget while its tasks waited,
	                         * runnable, for a CPU: a grader error, never the program's */
	char diag[256];         /* one line for BOX_SETUP_FAIL (and starved) */
};

/* Sensible defaults for a VMM run (callers adjust wall_s from lab.conf). */
struct box_limits box_default_limits(void);

/* Runs req; fills res. Returns 0 when the run happened (whatever its outcome),
 * -1 with res->cause = BOX_SETUP_FAIL when it could not. Never exits. */
int box_run(const struct box_req *req, struct box_result *res);
void box_result_free(struct box_result *res);

/* "bubblewrap" or "fallback: <what it cannot stop>"; stable for the process.
 * Picked once per process: VIRTLAB_SANDBOX=bwrap|fallback forces a layer
 * (a forced or picked layer that later fails to start gives BOX_SETUP_FAIL,
 * never the other layer); otherwise bwrap when its probe runs, else the
 * fallback with a warning. */
const char *box_layer(void);

/* "cgroup v1" or "cgroup v2": each box gets a cgroup of its own (fair CPU, its
 * tasks and memory capped, its CPU counted there); else "no cgroup (why)".
 * Stable for the process.  VIRTLAB_CGROUP=0 turns cgroups off. */
const char *box_cgroup_describe(void);

/* "bwrap" or "fallback": the value of VIRTLAB_SANDBOX that makes a child
 * process (a batch's grader) use this process's layer. */
const char *box_layer_kind(void);

#endif
