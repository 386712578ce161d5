/*
 * box.h — the sandbox's insides, shared by its files (not for the rest of the
 * grader: that uses ../sandbox.h).
 *
 *   core.c      box_run(): limits, the child's common setup, the run's life
 *               (prepare, fork, handshake, capture, result), picking the layer
 *   capture.c   reading stdout/stderr under caps, the deadline, reaping
 *   scratch.c   the per-run scratch dir: inputs in, /out back, argv/env paths
 *   bwrap.c     layer "bubblewrap";  fallback.c  layer "fallback"
 *   seccomp.c   the one filter of both layers;  tree.c  measuring/removing trees
 *   cpu.c       the whole box's CPU time and run_delay (its budget; starved or asleep)
 *   cgroup.c    a cgroup per box where one can be made (fair CPU, pids, memory, its CPU)
 *
 * A layer is a struct box_layer: core.c calls its hooks at fixed points of a
 * run and knows nothing else of it (as kvmtool's core knows devices only by
 * their ops).  Layers are registered, in order of preference, in core.c's
 * box_layers[].  What stacks on any layer (a cgroup per box) is a struct
 * box_addon, registered in core.c's box_addons[]: every one runs.
 */
#ifndef VIRTLAB_SANDBOX_BOX_H
#define VIRTLAB_SANDBOX_BOX_H

#include "sandbox.h"

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#define BOX_PATH_ENV "PATH=/usr/local/bin:/usr/bin:/bin"
#define BOX_HOME "/home/box"
/* As root, the box runs as BOX_UID_BASE + getpid() (VIRTLAB_BOX_UID_BASE overrides). */
#define BOX_UID_BASE 1500000000u
/* The host-backed scratch tree: as much as bwrap's /tmp, and enough entries
 * for any compile (cc leaves a handful); checked every BOX_SCRATCH_POLL_S. */
#define BOX_SCRATCH_BYTES ((size_t)64 << 20)
#define BOX_SCRATCH_FILES 20000
#define BOX_SCRATCH_POLL_S 0.05
/* A box starved at the wall-clock safety net (capture.c) gets its wall time again, this many
 * times, before it is stopped as starved: waiting for a CPU is the machine's doing, and a rerun
 * would meet the same load. */
#define BOX_WALL_EXTENSIONS 3
/* "Still moving" at the net: it ran or waited runnable within this long.  A waiting task's
 * run_delay grows only when it next gets a CPU, so a window of one poll misses a busy box's
 * wait behind its neighbours' time slices. */
#define BOX_MOVING_WINDOW_S 0.5
/* The whole box's memory (cgroup.c): far above its tmpfs mounts (88 MiB) and
 * scratch tree (64 MiB + a check's worth of writing), so that those end in
 * ENOSPC or SIGXFSZ, never in the cgroup's reclaim; room for cc1 and a few
 * VMMs at RLIMIT_AS each. */
#define BOX_MEM_BYTES ((size_t)1 << 30)
/* Trusted inputs shown in place per run (more are copied). */
#define BOX_SHOWN_MAX 4
/* fds the box's first process gets beyond 0-2 (bwrap reads 3, 5, 6; 4 is ours) */
#define BW_FD_JSON 3
#define BOX_FD_REPORT 4
#define BW_FD_SECCOMP 5
#define BW_FD_BLOCK 6

/* Who the box runs as: ourselves, or (as root) a per-grader unprivileged uid. */
struct ident {
	int drop;
	uid_t uid;
	gid_t gid;
};

struct scratch {
	char root[PATH_MAX];    /* mkdtemp'd, removed at the end */
	char box[PATH_MAX];     /* inputs, read-only copies */
	char out[PATH_MAX];     /* the writable /out, copied back to req->outdir */
	char home[PATH_MAX];
	char tmp[PATH_MAX];
	char kvm[PATH_MAX];     /* a private /dev/kvm node for the box uid, or "" */
	int rewrite;            /* no mount namespace: rewrite /box/ and /out */
	/* Trusted inputs shown in place (struct box_file): the real path, and
	 * "/box/<name>"; box/<name> is an empty placeholder that bwrap binds
	 * the file over or, with rewrite, a symlink to the real path. */
	char *shown[BOX_SHOWN_MAX], *shown_at[BOX_SHOWN_MAX];
	size_t nshown;
};

struct kvm_plan {
	int want;
	gid_t extra_gid;        /* supplementary group that may open /dev/kvm, or 0 */
	const char *src;        /* what to expose at /dev/kvm: "/dev/kvm" or a private node */
	int need_mountns;       /* no mount ns of the layer's: bind src over /dev/kvm in one of ours */
};

struct strvec {
	char **v;
	size_t n, cap;
};

struct pidset {
	pid_t *v;
	size_t n, cap;
};

struct watch {
	pid_t pid;
	int pidfd;
	int status;
	int exited;
	int over_scratch;       /* killed for its scratch tree: SIGXFSZ */
	int over_memory;        /* killed for its memory: a task of it was OOM-killed */
};

struct stream {
	int fd;
	char *buf;
	size_t len, cap;
	int truncated;
};

struct box_layer;

/* The box's cgroups (cgroup.c): one per distinct hierarchy. */
struct box_cg {
	int on;                 /* 0: none; 1 or 2: cgroup v1 / v2 */
	int n;
	void *g[4];             /* libcgroup's struct cgroup */
	int procs[4];           /* their cgroup.procs, for the child to join */
	int usage_fd;           /* cpuacct.usage (v1) or cpu.stat (v2) */
	size_t mem_bytes;       /* its memory limit (lim.mem_bytes) */
	int mem_events_fd;      /* memory.events (v2) or memory.oom_control (v1); -1: no memory cgroup */
	int mem_fail_fd;        /* v1: memory.failcnt */
};

/* One run, from prepare() to run_free(). */
struct run {
	const struct box_layer *layer;
	const struct box_req *req;
	struct scratch s;
	struct ident id;
	struct kvm_plan kvm;
	char **argv, **env;             /* the program's, paths rewritten where needed */
	char **exec_argv, **exec_env;   /* what the child execs (bwrap's command line, or argv/env) */
	const char *cwd;
	struct strvec bw;               /* bwrap's command line (owns exec_argv there) */
	int pout[2], perr[2], prep[2], pjson[2], pblock[2];
	int in_fd, seccomp_fd;
	char json[4096];                /* what bwrap wrote on --json-status-fd so far */
	size_t json_len;
	struct pidset before;
	struct stream out, err;
	struct watch w;
	struct box_cg cg;
};

/* What the box's first process needs after fork (no allocation from here on). */
struct child_plan {
	const struct box_layer *layer;
	char **argv, **env;
	const char *cwd;
	int in_fd, out_fd, err_fd, report_fd, json_fd, seccomp_fd, block_fd;
	struct box_limits lim;
	struct ident id;
	struct kvm_plan kvm;
	const struct scratch *s;
	const struct box_cg *cg;
	pid_t grader;
};

/*
 * A layer.  Hooks may be NULL (nothing to do).  Parent-side hooks return 0
 * or -1 with res filled (BOX_SETUP_FAIL); child-side hooks run between fork
 * and exec and report failures with child_fail().
 */
struct box_layer {
	const char *kind;               /* "bwrap" | "fallback": VIRTLAB_SANDBOX's values */
	int own_namespaces;             /* mount/pid namespaces of its own: /box and /out are
	                                 * real paths; else they are rewritten to the scratch */
	int signal_as_exit;             /* reports a program killed by signal N as exit 128+N */
	/* Is it usable here?  0: chosen (it printed any warning of its own); -1: not,
	 * why[] says why (the next layer may quote it).  forced: VIRTLAB_SANDBOX named it. */
	int (*choose)(int forced, char *why, size_t len);
	const char *(*describe)(void);  /* for reports: "bubblewrap", "fallback: ..." */
	/* parent, before fork: sets r->exec_argv/exec_env/cwd and its own fds */
	int (*prepare)(struct run *r, const struct box_req *req, struct box_result *res);
	/* child, still as the grader's uid (root): what needs privilege */
	int (*child_privileged)(const struct child_plan *p);
	/* child, as the box uid: RLIMIT_NPROC to set now (< 0: none) */
	long (*child_nproc)(const struct child_plan *p);
	/* child, last thing before exec */
	void (*child_confine)(const struct child_plan *p);
	/* parent, after fork: until the box may run */
	int (*started)(struct run *r, double deadline, struct box_result *res);
	/* parent, after the box was reaped: did it ever run the program? */
	int (*ran)(struct run *r, struct box_result *res);
};

extern const struct box_layer box_bwrap, box_fallback;

/*
 * What stacks on whichever layer runs.  Hooks may be NULL.  prepare: parent,
 * before the layer's prepare (0, even when it has nothing to give here; -1
 * with res filled); join: the child, first thing after fork (no allocation);
 * cpu: the box's CPU so far in seconds, or < 0 when it can't tell; memory:
 * 2 when a task of the box was killed for the box's memory limit, 1 when the
 * box reached it, else 0; finish: parent, after every task was reaped.
 */
struct box_addon {
	const char *name;
	int (*prepare)(struct run *r, struct box_result *res);
	int (*join)(const struct child_plan *p);
	double (*cpu)(const struct run *r);
	int (*memory)(const struct run *r);
	void (*finish)(struct run *r);
};
extern const struct box_addon box_cgroup;
double box_addons_cpu(const struct run *r);   /* core.c: the most any addon saw, or -1 */
int box_addons_memory(const struct run *r);   /* core.c: the most any addon said, 0-2 */

/* core.c */
int box_run_on(const struct box_layer *layer, const struct box_req *req, struct box_result *res);
void setup_fail(struct box_result *res, const char *what, int err);
_Noreturn void child_fail(int fd, const char *stage);
void close_fd(int *fd);
int resource_error(const char *text);

/* cpu.c: the whole box's CPU time (every task), and how long its tasks
 * waited, runnable, for a CPU (starved, not asleep). */
struct box_cpu {
	double cpu_s;
	double run_delay_s;
	int in_io;              /* tasks waiting for I/O (state D: a loaded disk, not sleep) */
};
double box_children_cpu(void);   /* our RUSAGE_CHILDREN, user + system, seconds */
/* The box now: base is box_children_cpu() before it started; before: our
 * children then (not the box's). */
void box_cpu_sample(const struct pidset *before, double base, struct box_cpu *out);

/* capture.c */
int pidset_has(const struct pidset *s, pid_t p);
void pidset_add(struct pidset *s, pid_t p);   /* grows v; on ENOMEM p is left out */
void kill_group(pid_t pgid);
void list_children(struct pidset *out);
void reap_all(const struct pidset *before, struct watch *w);
int stream_init(struct stream *s, int fd, size_t cap);
int pidfd_open_(pid_t pid);
int scratch_over(const char *root, const struct box_limits *lim);
struct capture_ctx {
	struct watch *w;
	struct stream *out, *err;
	double deadline;
	const struct pidset *before;
	const char *scratch;            /* root of the scratch tree */
	const struct box_limits *lim;
	double cpu_base;                /* box_children_cpu() before the box started */
	const struct run *run;          /* for box_addons_cpu() */
	double t0;                      /* when it started */
};
void capture(const struct capture_ctx *c, struct box_result *res);

/* scratch.c */
int path_in(char *dst, const char *a, const char *b);   /* a/b into dst[PATH_MAX]; -1 if too long */
int scratch_make(struct scratch *s, const struct box_req *req, const struct ident *id,
		 struct box_result *res);
void scratch_remove(struct scratch *s);
int copy_out(const struct scratch *s, const char *outdir);
char **build_argv(char *const *argv, const struct scratch *s);
char **build_env(char *const *env, const struct scratch *s);
void free_vec(char **v);
char *resolve(const char *name);
int kvm_prepare(struct kvm_plan *k, struct scratch *s, const struct ident *id, int own_mountns);

#endif
