/*
 * batch.c — `grade --batch DIR [--csv FILE] [--jobs N] [--out DIR]`.
 *
 * One child `grade` per student: /proc/self/exe re-executed with the single-
 * submission options, in its own process group, with its own TMPDIR, killed
 * with the batch (PDEATHSIG) or after a wall deadline. A child writes
 * <out>/<student>.json (the results file) and then <out>/<student>.row (the
 * CSV row, batch_child_row()), both atomically; its report goes to
 * <out>/<student>.txt. The parent never parses the results file: only the
 * row, a few `key value` lines it defined itself.
 *
 * Resume: a row newer than its submission, made with the same options and
 * the same lab (the row's key line: the options and the lab's fingerprint)
 * and final (graded / did not compile) is reused, not regraded. Every student of a batch gets the same --seed, taken from
 * <out>/SEED (written on the first start), so a resumed run equals a fresh one.
 */
#include "batch.h"
#include "cli.h"
#include "grade.h"
#include "intake.h"
#include "lab.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_INTERRUPTED 130
#define ROW_ENV "VIRTLAB_BATCH_ROW"
#define KEY_ENV "VIRTLAB_BATCH_KEY"
#define ROW_MAGIC "virtlab-batch-row 1"
#define MAX_JOBS 256
#define TOP_FAILED 5

struct bopts {
	const char *dir, *csv, *out, *root, *lab, *format, *backend, *expect_dir;
	int jobs, public_only, seed_given;
	double deadline;          /* per student, seconds; 0: computed from the lab */
	unsigned long seed;
};

struct student {
	char *name;
	char *entry;              /* its entry in the class folder (a folder or STUDENT.c) */
	int in_folder;            /* entry is a folder holding the lab's source */
	char *src;                /* path of the submission (its name in reports), NULL when missing */
	char *status;             /* CSV status, NULL until known */
	int have_scores;          /* score/max/pts come from a row */
	int score, max;
	int *pts;                 /* per scenario (the batch's order); -1: unknown */
	int final;                /* graded or did not compile: kept on resume */
	int reused;
	int stale;                /* had a final row, made with other options or another lab */
	pid_t pid;                /* running child, or 0 */
	double started;
	int killed;               /* by the deadline */
	char *tmpdir;             /* the child's TMPDIR */
};

struct batch {
	struct bopts o;
	struct lab lab;
	struct scenario *sc;
	int nsc;
	struct student *st;
	int n;
	char *key;                /* the options a row must have been made with */
	char *tmpbase;            /* the children's TMPDIRs live below it */
	int class_fd;             /* the class folder: entries are opened relative to it */
	int lock_fd;
	sigset_t orig_mask;
	int done, running, interrupted;
	int tty;
	double t0;
};

/* --- small helpers ------------------------------------------------------ */

#define fail(...) setup_error_as("grade", __VA_ARGS__)

/* Student names come from file names: keep terminal escapes off the screen. */
static char *printable(const char *s)
{
	char *p = xstrdup(s);
	for (char *q = p; *q; q++)
		if (!isprint((unsigned char)*q))
			*q = '?';
	return p;
}

static int online_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

/* --- options ------------------------------------------------------------ */

int batch_wanted(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--batch") || !strncmp(argv[i], "--batch=", 8))
			return 1;
	return 0;
}

static void batch_usage(FILE *f)
{
	fputs("usage: grade --batch DIR [--csv FILE] [--jobs N] [--out DIR] [--deadline SECONDS]\n"
	      "             [--root DIR] [--lab NAME] [--backend auto|kvm|emu]\n"
	      "             [--format gradescope|prairielearn|autolab] [--seed N] [--public-only]\n"
	      "             [--expect-dir DIR]\n"
	      "DIR holds one submission per student: a folder with the lab's source file\n"
	      "(student = folder name) or a file STUDENT.c. Writes the CSV gradebook (default\n"
	      "grades.csv) and per-student results in --out (default: the CSV's name without\n"
	      ".csv, plus -results). Re-running with the same --out resumes.\n", f);
}

static int parse_jobs(const char *s, int *jobs)
{
	unsigned long v;
	if (parse_ulong(s, MAX_JOBS, &v) < 0 || v == 0)
		return fail("--jobs must be an integer in 1..256, not '%s'%s", s, "");
	*jobs = (int)v;
	return 0;
}

static int parse_deadline(const char *s, double *d)
{
	char *end;
	errno = 0;
	*d = strtod(s, &end);
	if (errno || end == s || *end || !(*d > 0) || *d > 86400)
		return fail("--deadline must be a number of seconds in (0, 86400], not '%s'%s", s, "");
	return 0;
}

static int batch_opt(struct bopts *o, int c, const char *arg)
{
	enum backend be;
	switch (c) {
	case 'B': o->dir = arg; return 0;
	case 'c': o->csv = arg; return 0;
	case 'o': o->out = arg; return 0;
	case 'r': o->root = arg; return 0;
	case 'l': o->lab = arg; return 0;
	case 'f': o->format = arg; return 0;
	case 'e': o->expect_dir = arg; return 0;
	case 'p': o->public_only = 1; return 0;
	case 'J': return parse_jobs(arg, &o->jobs);
	case 'd': return parse_deadline(arg, &o->deadline);
	case 'b':
		o->backend = arg;
		return backend_parse(arg, &be) < 0
			? fail("--backend must be auto, kvm or emu, not '%s'%s", arg, "") : 0;
	case 's':
		o->seed_given = 1;
		return parse_ulong(arg, SEED_MAX, &o->seed) < 0
			? fail("--seed must be an integer in 0..2147483647, not '%s'%s", arg, "") : 0;
	case 'j': case 'w':
		return fail("%s is per student in batch mode: every student's results file goes to --out DIR%s",
			    c == 'j' ? "--json" : "--write-expect", "");
	case 'h': batch_usage(stdout); exit(0);
	}
	return -1;
}

static int parse_batch_args(int argc, char **argv, struct bopts *o)
{
	static const struct option longopts[] = {
		CLI_KIT_OPTIONS, CLI_GRADING_OPTIONS,
		{ "batch", required_argument, 0, 'B' }, { "csv", required_argument, 0, 'c' },
		{ "jobs", required_argument, 0, 'J' }, { "out", required_argument, 0, 'o' },
		{ "deadline", required_argument, 0, 'd' },
		/* refused with a reason (per student in batch mode) */
		{ "json", required_argument, 0, 'j' }, { "write-expect", required_argument, 0, 'w' },
		CLI_END,
	};
	memset(o, 0, sizeof *o);
	o->lab = "cpu_lab";
	o->format = "gradescope";
	o->backend = "auto";
	o->csv = "grades.csv";
	o->jobs = online_cpus();
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int rc = batch_opt(o, c, optarg);
		if (rc > 0)
			return rc;
		if (rc < 0) {
			fprintf(stderr, "grade: unknown or incomplete option '%s'\n", argv[optind - 1]);
			batch_usage(stderr);
			return EXIT_SETUP;
		}
	}
	if (optind != argc)
		return fail("--batch takes no SUBMISSION argument ('%s'): the class is DIR%s", argv[optind], "");
	if (!results_valid_format(o->format))
		return fail("--format must be gradescope, prairielearn or autolab, not '%s'%s", o->format, "");
	if (!lab_name_ok(o->lab))
		return fail("--lab must be a lab's name, not '%s'%s", o->lab, "");
	return 0;
}

/* Paths relative to the caller; the default out dir derives from the CSV. */
static void resolve_paths(struct bopts *o)
{
	o->dir = caller_path(o->dir);
	o->csv = caller_path(o->csv);
	o->expect_dir = caller_path(o->expect_dir);
	if (o->out) {
		o->out = caller_path(o->out);
	} else {
		char *stem = xstrdup(o->csv);
		if (ends_with(stem, ".csv"))
			stem[strlen(stem) - 4] = '\0';
		o->out = xasprintf("%s-results", stem);
		free(stem);
	}
	o->root = o->root ? caller_path(o->root) : default_kit_root();
	if (!o->root)
		o->root = caller_path(".");
}

/* --- the lab: scenario columns, the per-student deadline ---------------- */

static int load_kit(struct batch *b)
{
	char err[700];
	if (lab_load_named(b->o.root, b->o.lab, &b->lab, err, sizeof err) < 0)
		return fail("%s%s", err, "");
	char *dir = xasprintf("%s/guests/%s", b->o.root, b->o.lab);
	b->nsc = scenario_load(dir, b->o.public_only, &b->sc, err, sizeof err);
	free(dir);
	if (b->nsc < 0)
		return fail("%s%s", err, "");
	if (!b->nsc)
		return fail("no scenarios in %s/guests/%s", b->o.root, b->o.lab);
	return 0;
}

/* Generous: a cold compile, then every scenario's run and reference run
 * at their full time limits, twice over. */
static double default_deadline(const struct batch *b)
{
	double runs = 0;
	for (int i = 0; i < b->nsc; i++)
		runs += b->sc[i].timeout > 0 ? b->sc[i].timeout : b->lab.timeout;
	return 120 + 4 * runs;
}

/* --- the lab's fingerprint ------------------------------------------------ */

/* One file of the lab into h; a missing or unreadable one hashes as such,
 * so that one appearing or going away changes the fingerprint too. */
static void hash_part(uint64_t *h, const char *what, const char *path)
{
	*h = fnv1a_str(*h, what);
	if (!path || hash_file(path, h) < 0)
		*h = fnv1a_str(*h, "(absent)");
}

static void hash_folder(uint64_t *h, const char *what, const char *dir, const char *suffix)
{
	char err[64];
	*h = fnv1a_str(*h, what);
	if (hash_files(dir, suffix, h, err, sizeof err) < 0)
		*h = fnv1a_str(*h, "(unreadable)");
}

/* What a grade depends on besides the submission and the options: the
 * scenarios and their includes, lab.conf, the reference solution, the
 * expect-dir and kvmemu (the same files the image and expectation caches
 * key on). Stored in every row's key, so that a row made before any of them
 * changed is regraded rather than reused. */
static uint64_t lab_fingerprint(const struct batch *b)
{
	uint64_t h = fnv1a_str(FNV_INIT, "virtlab lab fingerprint 1");
	char *guests = xasprintf("%s/guests/%s", b->o.root, b->o.lab);
	char *conf = xasprintf("%s/labs/%s/lab.conf", b->o.root, b->o.lab);
	char *sol = xasprintf("%s/solution/%s/%s", b->o.root, b->o.lab, b->lab.source);
	char *emu = find_emu_lib(b->o.root);
	hash_folder(&h, "scenarios", guests, ".asm");
	hash_folder(&h, "includes", guests, ".inc");
	hash_part(&h, "lab.conf", conf);
	hash_part(&h, "reference", sol);
	if (b->o.expect_dir)
		hash_folder(&h, "expect-dir", b->o.expect_dir, "");
	hash_part(&h, "kvmemu", emu);
	free(guests);
	free(conf);
	free(sol);
	free(emu);
	return h;
}

/* --- students ----------------------------------------------------------- */

static int cmp_student(const void *a, const void *b)
{
	return strcmp(((const struct student *)a)->name, ((const struct student *)b)->name);
}

static void add_student(struct batch *b, const char *name, const char *entry, int in_folder,
			char *src, char *status)
{
	b->st = xrealloc(b->st, (size_t)(b->n + 1) * sizeof *b->st);
	struct student *s = &b->st[b->n++];
	memset(s, 0, sizeof *s);
	s->name = xstrdup(name);
	s->entry = xstrdup(entry);
	s->in_folder = in_folder;
	s->src = src;
	s->status = status;
	s->final = status != NULL;   /* a missing submission is as graded as it gets */
}

/* One entry of DIR: a folder holding the lab's source, or STUDENT.c.
 * Only classified here (lstat, nothing opened or followed): what is graded
 * is decided when the student's turn comes, by intake (open_submission). A
 * symlink is a student when it is named *.c or points at a folder (a
 * "student folder" that is a link): intake then refuses it. */
static void consider_entry(struct batch *b, const char *name, const struct stat *outst)
{
	char *path = path_join(b->o.dir, name);
	struct stat st, tgt;
	int is_c = ends_with(name, ".c");
	if (fstatat(b->class_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		char *p = printable(name);
		fprintf(stderr, "grade: skipping %s: %s\n", p, strerror(errno));
		free(p);
	} else if (S_ISDIR(st.st_mode) || (S_ISLNK(st.st_mode) && !is_c &&
		   fstatat(b->class_fd, name, &tgt, 0) == 0 && S_ISDIR(tgt.st_mode))) {
		char *src = path_join(path, b->lab.source);
		struct stat ss;
		char *inside = path_join(name, b->lab.source);
		if (outst && st.st_dev == outst->st_dev && st.st_ino == outst->st_ino)
			free(src);   /* our own results folder, inside the class folder */
		else if (S_ISDIR(st.st_mode) && fstatat(b->class_fd, inside, &ss, AT_SYMLINK_NOFOLLOW) < 0 &&
			 errno == ENOENT) {
			add_student(b, name, name, 1, NULL, xasprintf("no %s in the folder", b->lab.source));
			free(src);
		} else
			add_student(b, name, name, 1, src, NULL);
		free(inside);
	} else if (is_c) {
		char *student = xstrdup(name);
		student[strlen(student) - 2] = '\0';
		add_student(b, student, name, 0, xstrdup(path), NULL);
		free(student);
	} else {
		char *p = printable(name);
		fprintf(stderr, "grade: skipping %s (neither a folder nor a .c file)\n", p);
		free(p);
	}
	free(path);
}

static int discover(struct batch *b)
{
	/* The class folder itself is the TA's: it may be a link. */
	b->class_fd = open(b->o.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = b->class_fd < 0 ? NULL : fdopendir(dup(b->class_fd));
	if (!d)
		return fail("cannot read the class folder %s: %s", b->o.dir, strerror(errno));
	struct stat outst;
	int have_out = stat(b->o.out, &outst) == 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			consider_entry(b, e->d_name, have_out ? &outst : NULL);
	closedir(d);
	if (!b->n)
		return fail("no submissions in %s (a folder per student with %s, or STUDENT.c files)",
			    b->o.dir, b->lab.source);
	qsort(b->st, (size_t)b->n, sizeof *b->st, cmp_student);
	for (int i = 1; i < b->n; i++)
		if (!strcmp(b->st[i].name, b->st[i - 1].name))
			return fail("student '%s' has both a folder and a .c file in %s", b->st[i].name, b->o.dir);
	for (int i = 0; i < b->n; i++) {
		b->st[i].pts = xmalloc((size_t)b->nsc * sizeof *b->st[i].pts);
		for (int k = 0; k < b->nsc; k++)
			b->st[i].pts[k] = -1;
	}
	return 0;
}

/* --- the out dir: lock, seed, leftovers --------------------------------- */

static int lock_out(struct batch *b)
{
	if (mkdir_p(b->o.out, 0755) < 0)
		return fail("cannot create %s: %s", b->o.out, strerror(errno));
	char *p = path_join(b->o.out, "LOCK");
	b->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	free(p);
	if (b->lock_fd < 0)
		return fail("cannot write into %s: %s", b->o.out, strerror(errno));
	if (flock(b->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return fail("another `grade --batch` is using %s%s", b->o.out, " (wait for it, or use another --out)");
	return 0;
}

/* The batch seed: --seed, else <out>/SEED from an earlier start, else fresh.
 * Stored before any child starts, so a resumed run uses the same one. */
static int pick_seed(struct batch *b)
{
	char *p = path_join(b->o.out, "SEED");
	char *t = read_file(p, NULL, 64);
	unsigned long old = 0;
	int have = t && (t[strcspn(t, " \t\n")] = '\0', parse_ulong(t, SEED_MAX, &old) == 0);
	free(t);
	if (!b->o.seed_given && have) {
		b->o.seed = old;
	} else if (!b->o.seed_given) {
		b->o.seed = seed_fresh();
	}
	int rc = 0;
	if (!have || old != b->o.seed) {
		char text[32];
		int n = snprintf(text, sizeof text, "%lu\n", b->o.seed);
		if (write_atomic(p, text, (size_t)n, 0644) < 0)
			rc = fail("cannot write %s: %s", p, strerror(errno));
	}
	free(p);
	return rc;
}

/* Temporary files of an interrupted run (write_atomic's and ours). */
static void clean_leftovers(const struct batch *b)
{
	DIR *d = opendir(b->o.out);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		int ours = e->d_name[0] == '.' && ends_with(e->d_name, ".tmp");
		if (ours || strstr(e->d_name, ".tmp.")) {
			char *p = path_join(b->o.out, e->d_name);
			unlink(p);
			free(p);
		}
	}
	if (d)
		closedir(d);
}

/* The children's TMPDIRs: purged after each child, so a killed one's
 * scratch (and its sandbox's) goes too. Traversable by the box's uid. */
static int make_tmpbase(struct batch *b)
{
	const char *tmp = getenv("TMPDIR");
	char *t = xasprintf("%s/virtlab-batch.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(t) || chmod(t, 0711) < 0) {
		int e = errno;
		free(t);
		return fail("cannot create a temporary directory: %s%s", strerror(e), "");
	}
	b->tmpbase = t;
	return 0;
}

static char *out_file(const struct batch *b, const char *name, const char *suffix)
{
	return xasprintf("%s/%s%s", b->o.out, name, suffix);
}

/* --- rows: written by the child, read by the parent --------------------- */

static char *child_status(const struct grading *g, int rc)
{
	if (g->build.sandbox_failed)
		return xstrdup("grader error: the sandbox failed while compiling");
	if (g->grader_errors)
		return xasprintf("grader error: %d scenario(s) could not be graded", g->grader_errors);
	if (rc)
		return xasprintf("grader error: grade exited %d after grading", rc);
	if (g->rejected)
		return xasprintf("rejected: %s", g->rejected);
	return xstrdup(g->build.ok ? "graded" : "did not compile");
}

void batch_child_row(const struct grading *g, int rc)
{
	const char *path = getenv(ROW_ENV), *key = getenv(KEY_ENV);
	if (!path || !*path)
		return;
	char *status = child_status(g, rc);
	struct buf b = {0};
	buf_addf(&b, "%s\nkey %s\nstatus %s\nscore %d\nmax %d\n", ROW_MAGIC, key ? key : "", status,
		 g->score, g->max);
	for (int i = 0; i < g->n; i++)
		buf_addf(&b, "sc\t%s\t%d\t%d\n", g->res[i].sc->name, g->res[i].score, g->res[i].sc->points);
	if (write_atomic(path, b.p, b.len, 0644) < 0)
		fprintf(stderr, "grade: cannot write %s: %s\n", path, strerror(errno));
	buf_free(&b);
	free(status);
}

static int scenario_index(const struct batch *b, const char *name)
{
	for (int i = 0; i < b->nsc; i++)
		if (!strcmp(b->sc[i].name, name))
			return i;
	return -1;
}

static void row_line(const struct batch *b, struct student *s, char *line, char **key)
{
	char *sp = line + strcspn(line, " \t");
	if (!*sp)
		return;
	*sp++ = '\0';
	if (!strcmp(line, "key"))
		*key = sp;
	else if (!strcmp(line, "status")) {
		free(s->status);
		s->status = xstrdup(sp);
	} else if (!strcmp(line, "score"))
		s->score = atoi(sp);
	else if (!strcmp(line, "max"))
		s->max = atoi(sp);
	else if (!strcmp(line, "sc")) {
		char *tab = strchr(sp, '\t');
		if (!tab)
			return;
		*tab = '\0';
		int k = scenario_index(b, sp);
		if (k >= 0)
			s->pts[k] = atoi(tab + 1);
	}
}

/* Final statuses are kept on resume: the student's own outcome. */
static int status_is_final(const char *st)
{
	return !strcmp(st, "graded") || !strcmp(st, "did not compile") || !strncmp(st, "rejected: ", 10);
}

/* Reads <out>/<name>.row into s. Returns 0 when it is well-formed; *key
 * points into *text (freed by the caller). */
static int row_read(const struct batch *b, struct student *s, char **text, char **key)
{
	char *p = out_file(b, s->name, ".row");
	*text = read_file(p, NULL, 1 << 20);
	free(p);
	*key = NULL;
	size_t m = strlen(ROW_MAGIC);
	if (!*text || strncmp(*text, ROW_MAGIC, m) || (*text)[m] != '\n')
		return -1;
	for (char *save, *l = strtok_r(*text + m + 1, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		row_line(b, s, l, key);
	if (!s->status || !*key)
		return -1;
	s->have_scores = 1;
	s->final = status_is_final(s->status);
	return 0;
}

static void student_reset(struct batch *b, struct student *s)
{
	free(s->status);
	s->status = NULL;
	s->have_scores = s->final = s->score = s->max = 0;
	for (int k = 0; k < b->nsc; k++)
		s->pts[k] = -1;
}

static int newer(const struct stat *a, const struct stat *b)
{
	return a->st_mtim.tv_sec > b->st_mtim.tv_sec ||
	       (a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec > b->st_mtim.tv_nsec);
}

/* The submission's lstat, through the class folder's fd; -1 unless it is a
 * regular file in a real folder (anything else goes to intake again). */
static int submission_stat(const struct batch *b, const struct student *s, struct stat *st)
{
	struct stat ds;
	if (s->in_folder) {
		char *inside = path_join(s->entry, b->lab.source);
		int ok = fstatat(b->class_fd, s->entry, &ds, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(ds.st_mode) &&
			 fstatat(b->class_fd, inside, st, AT_SYMLINK_NOFOLLOW) == 0;
		free(inside);
		if (!ok)
			return -1;
	} else if (fstatat(b->class_fd, s->entry, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return S_ISREG(st->st_mode) ? 0 : -1;
}

/* Resume: a final row newer than the submission, made with these options,
 * with its results file beside it. */
static int try_reuse(struct batch *b, struct student *s)
{
	char *row = out_file(b, s->name, ".row"), *json = out_file(b, s->name, ".json");
	struct stat rs, js, ss;
	int fresh = stat(row, &rs) == 0 && stat(json, &js) == 0 && submission_stat(b, s, &ss) == 0 &&
		    newer(&rs, &ss);
	free(row);
	free(json);
	char *text = NULL, *key = NULL;
	int valid = fresh && row_read(b, s, &text, &key) == 0 && s->final;
	int ok = valid && !strcmp(key, b->key);
	free(text);
	if (!ok)
		student_reset(b, s);
	s->reused = ok;
	s->stale = valid && !ok;
	return ok;
}

/* --- children ----------------------------------------------------------- */

static char **child_argv(const struct batch *b, const struct student *s)
{
	char **v = xmalloc(24 * sizeof *v);
	int k = 0;
	char seed[32];
	snprintf(seed, sizeof seed, "%lu", b->o.seed);
	v[k++] = xstrdup("grade");
	const char *pairs[][2] = {
		{ "--root", b->o.root }, { "--lab", b->o.lab }, { "--backend", b->o.backend },
		{ "--format", b->o.format }, { "--seed", seed }, { "--expect-dir", b->o.expect_dir },
	};
	for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
		if (!pairs[i][1])
			continue;
		v[k++] = xstrdup(pairs[i][0]);
		v[k++] = xstrdup(pairs[i][1]);
	}
	if (b->o.public_only)
		v[k++] = xstrdup("--public-only");
	v[k++] = xstrdup("--json");
	v[k++] = out_file(b, s->name, ".json");
	v[k++] = xstrdup("--submission-fd");   /* open_submission()'s fd, as stdin */
	v[k++] = xstrdup("0");
	v[k++] = xstrdup("--");
	v[k++] = xstrdup(s->src);
	v[k] = NULL;
	return v;
}

static void free_vec(char **v)
{
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

_Noreturn static void child_exec(const struct batch *b, const struct student *s, char **argv,
				 int subfd, int outfd, int errfd, pid_t parent)
{
	sigprocmask(SIG_SETMASK, &b->orig_mask, NULL);
	setpgid(0, 0);                       /* the deadline kills the whole group */
	prctl(PR_SET_PDEATHSIG, SIGKILL);    /* a killed batch leaves no grader behind */
	if (getppid() != parent)
		_exit(127);
	/* stdin: the submission, as intake opened it (the child reads it
	 * through this fd and never opens the path). */
	if (dup2(subfd, 0) < 0 || fcntl(0, F_SETFD, 0) < 0 || dup2(outfd, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(127);
	char *row = out_file(b, s->name, ".row");
	setenv(ROW_ENV, row, 1);
	setenv(KEY_ENV, b->key, 1);
	setenv("TMPDIR", s->tmpdir, 1);
	execv("/proc/self/exe", argv);
	fprintf(stderr, "grade: cannot re-execute /proc/self/exe: %s\n", strerror(errno));
	_exit(127);
}

static int open_part(const struct batch *b, const struct student *s, const char *what)
{
	char *p = xasprintf("%s/.%s.%s.tmp", b->o.out, s->name, what);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	free(p);
	return fd;
}

static void finish_student(struct batch *b, struct student *s, int wstatus);

/* The student's submission through intake (intake.h), relative to the
 * class folder's fd: the student's folder and the file in it are opened
 * without following a symlink. An fd, or -1 with in->status. */
static int open_submission(const struct batch *b, const struct student *s, struct intake *in)
{
	if (!s->in_folder)
		return intake_open(b->class_fd, s->entry, in);
	int dfd = intake_open_dir(b->class_fd, s->entry, in);
	if (dfd < 0)
		return -1;
	int fd = intake_open(dfd, b->lab.source, in);
	close(dfd);
	return fd;
}

/* The report and results file of a refused submission, rendered as a
 * child's would be (report.c, json.c): every scenario "not graded". The
 * report goes where the child's part would, so finish_student() moves it. */
static void write_refusal(const struct batch *b, const struct student *s, const char *cause)
{
	struct sc_result *res = xmalloc((size_t)b->nsc * sizeof *res);
	memset(res, 0, (size_t)b->nsc * sizeof *res);
	struct grading g = { .submission = s->src, .lab = b->lab.name, .layer = "none (not run)",
			     .backend_desc = b->o.backend, .rejected = cause, .res = res, .n = b->nsc };
	char why[160];
	snprintf(why, sizeof why, "not graded: the submission is %s", rejection_phrase(cause));
	for (int k = 0; k < b->nsc; k++) {
		res[k].sc = &b->sc[k];
		res[k].backend = b->sc[k].emu_only ? BACKEND_EMU : BACKEND_AUTO;
		judge_not_run(&res[k].v, why, 0);
		g.max += b->sc[k].points;
	}
	struct buf r = {0}, j = {0};
	report_text(&r, &g);
	results_trailer(&r, b->o.format, &g);
	char *part = xasprintf("%s/.%s.txt.tmp", b->o.out, s->name), *json = out_file(b, s->name, ".json");
	if (write_atomic(part, r.p, r.len, 0644) < 0 ||
	    (results_render(&j, b->o.format, &g) == 0 && write_atomic(json, j.p, j.len, 0644) < 0))
		fprintf(stderr, "grade: cannot write into %s: %s\n", b->o.out, strerror(errno));
	free(part);
	free(json);
	buf_free(&r);
	buf_free(&j);
	free(res);
}

/* Intake refused the submission: a row of the student's own, decided
 * here (no child), and a one-paragraph report beside the others. */
static void refuse(struct batch *b, struct student *s, const struct intake *in)
{
	student_reset(b, s);
	int max = 0;
	for (int k = 0; k < b->nsc; k++) {
		s->pts[k] = 0;
		max += b->sc[k].points;
	}
	if (in->status == INTAKE_MISSING) {
		free(s->src);
		s->src = NULL;   /* counted "without a submission", as at discovery */
		s->status = xasprintf("no %s in the folder", b->lab.source);
	} else if (intake_refusal_is_final(in)) {
		s->status = xasprintf("rejected: %s", intake_cause(in));
	} else {
		s->status = xasprintf("setup error: cannot read the submission: %s", intake_cause(in));
	}
	s->final = strncmp(s->status, "setup error", 11) != 0;
	s->have_scores = s->final;
	s->max = max;
	if (intake_refusal_is_final(in))
		write_refusal(b, s, intake_cause(in));
	finish_student(b, s, -1);
}

static void spawn(struct batch *b, struct student *s, int index)
{
	/* A stale row or results file must not pass for this run's. */
	char *row = out_file(b, s->name, ".row"), *json = out_file(b, s->name, ".json");
	unlink(row);
	unlink(json);
	free(row);
	free(json);
	struct intake in;
	int subfd = open_submission(b, s, &in);
	if (subfd < 0) {
		refuse(b, s, &in);
		return;
	}
	char num[32];
	snprintf(num, sizeof num, "%d", index);
	s->tmpdir = path_join(b->tmpbase, num);
	mkdir(s->tmpdir, 0711);
	chmod(s->tmpdir, 0711);
	int outfd = open_part(b, s, "txt"), errfd = open_part(b, s, "err");
	char **argv = child_argv(b, s);
	pid_t parent = getpid();
	pid_t pid = outfd < 0 || errfd < 0 ? -1 : fork();
	if (pid == 0)
		child_exec(b, s, argv, subfd, outfd, errfd, parent);
	int e = errno;
	close(subfd);
	free_vec(argv);
	if (outfd >= 0)
		close(outfd);
	if (errfd >= 0)
		close(errfd);
	s->started = now_s();
	if (pid < 0) {
		s->status = xasprintf("grader error: cannot start a grader: %s", strerror(e));
		finish_student(b, s, -1);
		return;
	}
	setpgid(pid, pid);   /* also in the child: whichever runs first */
	s->pid = pid;
	b->running++;
}

/* The first "grade: ..." line the child printed (not a warning). */
static char *child_complaint(const struct batch *b, const struct student *s)
{
	char *p = xasprintf("%s/.%s.err.tmp", b->o.out, s->name);
	char *text = read_file(p, NULL, 1 << 20);
	free(p);
	char *msg = NULL;
	for (char *save, *l = text ? strtok_r(text, "\n", &save) : NULL; l && !msg; l = strtok_r(NULL, "\n", &save))
		if (!strncmp(l, "grade: ", 7) && strncmp(l, "grade: WARNING", 14))
			msg = xasprintf("%.300s", l + 7);
	free(text);
	return msg ? msg : xstrdup("no message");
}

/* The status of a child that did not write a usable row. */
static char *failure_status(const struct batch *b, const struct student *s, int w)
{
	char sig[32];
	if (s->killed)
		return xasprintf("grader error: no result after %g s (killed; see --deadline)", b->o.deadline);
	if (w == -1)
		return NULL;   /* spawn() said why */
	if (WIFSIGNALED(w)) {
		signal_name(WTERMSIG(w), sig, sizeof sig);
		return xasprintf("grader error: grade killed by %s", sig);
	}
	if (WEXITSTATUS(w) == EXIT_SETUP) {
		char *m = child_complaint(b, s), *st = xasprintf("setup error: %s", m);
		free(m);
		return st;
	}
	return xasprintf("grader error: grade exited %d without a result", WEXITSTATUS(w));
}

/* Moves the child's report into place (the .txt is useful even on failure). */
static void keep_outputs(const struct batch *b, const struct student *s)
{
	const char *what[] = { "txt", "err" };
	for (int i = 0; i < 2; i++) {
		char *part = xasprintf("%s/.%s.%s.tmp", b->o.out, s->name, what[i]);
		char *dest = xasprintf("%s/%s.%s", b->o.out, s->name, what[i]);
		struct stat st;
		if (stat(part, &st) == 0 && (st.st_size > 0 || i == 0))
			rename(part, dest);
		else {
			unlink(part);
			unlink(dest);
		}
		free(part);
		free(dest);
	}
}

static void progress(struct batch *b, const struct student *s)
{
	if (!b->tty)
		return;
	char *p = printable(s->name);
	fprintf(stderr, "\r[%d/%d] %.60s\033[K", b->done, b->n, p);
	free(p);
}

static void say(const struct batch *b, const char *name, const char *what)
{
	char *p = printable(name);
	fprintf(stderr, "%sgrade: %s: %s\n", b->tty ? "\r\033[K" : "", p, what);
	free(p);
}

static void finish_student(struct batch *b, struct student *s, int w)
{
	char *text = NULL, *key = NULL;
	int have = w != -1 && !s->killed && WIFEXITED(w) && row_read(b, s, &text, &key) == 0;
	free(text);
	if (!have) {
		char *st = failure_status(b, s, w);
		if (st) {
			student_reset(b, s);
			s->status = st;
		}
	}
	keep_outputs(b, s);
	if (s->tmpdir)
		rm_rf(s->tmpdir);
	free(s->tmpdir);
	s->tmpdir = NULL;
	s->pid = 0;
	b->done++;
	if (!s->final)
		say(b, s->name, s->status);
	progress(b, s);
}

static void reap(struct batch *b)
{
	int w;
	pid_t pid;
	while ((pid = waitpid(-1, &w, WNOHANG)) > 0) {
		for (int i = 0; i < b->n; i++) {
			if (b->st[i].pid == pid) {
				b->running--;
				finish_student(b, &b->st[i], w);
				break;
			}
		}
	}
}

static void enforce_deadlines(struct batch *b)
{
	double now = now_s();
	for (int i = 0; i < b->n; i++) {
		struct student *s = &b->st[i];
		if (s->pid > 0 && !s->killed && now - s->started > b->o.deadline) {
			kill(-s->pid, SIGKILL);
			kill(s->pid, SIGKILL);
			s->killed = 1;
		}
	}
}

/* Sleeps until a child ends, a signal asks us to stop, or the nearest
 * deadline (at most a second). */
static void wait_event(struct batch *b)
{
	double wait = 1.0, now = now_s();
	for (int i = 0; i < b->n; i++)
		if (b->st[i].pid > 0 && !b->st[i].killed && b->st[i].started + b->o.deadline - now < wait)
			wait = b->st[i].started + b->o.deadline - now;
	if (wait < 0.01)
		wait = 0.01;
	struct timespec ts = { (time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9) };
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	int sig = sigtimedwait(&set, NULL, &ts);
	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
		b->interrupted = sig;
}

static void stop_all(struct batch *b)
{
	for (int i = 0; i < b->n; i++) {
		struct student *s = &b->st[i];
		if (s->pid <= 0)
			continue;
		kill(-s->pid, SIGKILL);
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		char *part = xasprintf("%s/.%s.txt.tmp", b->o.out, s->name);
		unlink(part);
		free(part);
		part = xasprintf("%s/.%s.err.tmp", b->o.out, s->name);
		unlink(part);
		free(part);
		s->pid = 0;
	}
	b->running = 0;
}

static void run_all(struct batch *b)
{
	int next = 0;
	while (!b->interrupted) {
		while (b->running < b->o.jobs && next < b->n) {
			struct student *s = &b->st[next];
			if (!s->final && !s->status)
				spawn(b, s, next);
			next++;
		}
		if (!b->running && next >= b->n)
			break;
		wait_event(b);
		reap(b);
		enforce_deadlines(b);
	}
	if (b->interrupted)
		stop_all(b);
	if (b->tty)
		fputs("\r\033[K", stderr);
}

/* --- the gradebook ------------------------------------------------------ */

/* A spreadsheet opens a cell starting with = + - @ (or a tab or CR before
 * one) as a formula, and student names come from folder names: such a cell
 * gets a leading ' (OWASP, "CSV Injection"), which shows as text. */
static int formula_like(const char *s)
{
	return *s && strchr("=+-@\t\r", *s);
}

/* A cell free of control characters: `cat grades.csv` must not replay an
 * escape sequence hidden in a folder name. Control bytes (C0, DEL), C1
 * controls (U+0080–U+009F) and bytes that aren't valid UTF-8 become a
 * visible \xHH, a backslash \\; valid UTF-8 stays as it is. malloc'd. */
static char *csv_clean(const char *s)
{
	struct buf b = {0};
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		int len = utf8_seq_len(u + i, n - i);
		int c1 = len == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0;
		if (u[i] == '\\') {
			buf_adds(&b, "\\\\");
			i++;
		} else if (len == 0 || u[i] < 0x20 || u[i] == 0x7f || c1) {
			for (int k = 0; k < (c1 ? 2 : 1); k++)
				buf_addf(&b, "\\x%02x", u[i++]);
		} else {
			buf_add(&b, u + i, (size_t)len);
			i += (size_t)len;
		}
	}
	buf_str(&b);
	return b.p;
}

/* RFC 4180: quoted when it holds a separator, a quote or edge blanks;
 * quotes doubled. Control characters are escaped and formula-like cells
 * defused first. */
static void csv_field(struct buf *out, const char *raw)
{
	char *cell = csv_clean(raw);
	char *defused = formula_like(cell) ? xasprintf("'%s", cell) : NULL;
	const char *s = defused ? defused : cell;
	size_t n = strlen(s);
	int quote = strpbrk(s, ",\"\r\n") || (n && (isspace((unsigned char)s[0]) || isspace((unsigned char)s[n - 1])));
	if (quote)
		buf_addc(out, '"');
	for (const char *p = s; *p; p++) {
		if (quote && *p == '"')
			buf_addc(out, '"');
		buf_addc(out, *p);
	}
	if (quote)
		buf_addc(out, '"');
	free(defused);
	free(cell);
}

static void csv_int(struct buf *out, int have, int v)
{
	buf_addc(out, ',');
	if (have)
		buf_addf(out, "%d", v);
}

static int csv_max(const struct batch *b)
{
	int m = 0;
	for (int i = 0; i < b->nsc; i++)
		m += b->sc[i].points;
	return m;
}

static int write_csv(const struct batch *b)
{
	struct buf out = {0};
	buf_adds(&out, "student,score,max");
	for (int i = 0; i < b->nsc; i++) {
		buf_addc(&out, ',');
		csv_field(&out, b->sc[i].name);
	}
	buf_adds(&out, ",status\n");
	for (int i = 0; i < b->n; i++) {
		const struct student *s = &b->st[i];
		int missing = !s->src;   /* no submission: 0 points, not unknown */
		csv_field(&out, s->name);
		csv_int(&out, s->have_scores || missing, s->have_scores ? s->score : 0);
		csv_int(&out, 1, s->have_scores ? s->max : csv_max(b));
		for (int k = 0; k < b->nsc; k++)
			csv_int(&out, s->pts[k] >= 0, s->pts[k]);
		buf_addc(&out, ',');
		csv_field(&out, s->status ? s->status : "not graded");
		buf_addc(&out, '\n');
	}
	int rc = write_atomic(b->o.csv, out.p, out.len, 0644);
	buf_free(&out);
	return rc < 0 ? fail("cannot write %s: %s", b->o.csv, strerror(errno)) : 0;
}

/* --- the summary -------------------------------------------------------- */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Scores of everyone with a known score (graded, did not compile, missing). */
static int known_scores(const struct batch *b, int **out)
{
	int *v = xmalloc((size_t)b->n * sizeof *v), k = 0;
	for (int i = 0; i < b->n; i++)
		if (b->st[i].final)
			v[k++] = b->st[i].have_scores ? b->st[i].score : 0;
	qsort(v, (size_t)k, sizeof *v, cmp_int);
	*out = v;
	return k;
}

static void summary_counts(struct buf *o, const struct batch *b)
{
	int graded = 0, nocc = 0, missing = 0, errors = 0, reused = 0, rejected = 0;
	for (int i = 0; i < b->n; i++) {
		const struct student *s = &b->st[i];
		reused += s->reused;
		if (!s->src)
			missing++;
		else if (s->final && !strcmp(s->status, "graded"))
			graded++;
		else if (s->final && !strncmp(s->status, "rejected: ", 10))
			rejected++;
		else if (s->final)
			nocc++;
		else
			errors++;
	}
	buf_addf(o, "%d students: %d graded, %d did not compile, %d without a submission, %d not graded "
		 "(grader/setup errors)", b->n, graded, nocc, missing, errors);
	if (rejected)
		buf_addf(o, ", %d rejected (a link, not a regular file, over 1 MiB or empty: 0 points)", rejected);
	if (reused)
		buf_addf(o, "; %d reused from %s", reused, b->o.out);
	buf_addf(o, "\n%.1f s with %d job(s); seed %lu\n", now_s() - b->t0, b->o.jobs, b->o.seed);
}

static void summary_scores(struct buf *o, const struct batch *b)
{
	int *v, k = known_scores(b, &v), max = csv_max(b);
	if (!k || !max) {
		free(v);
		return;
	}
	double sum = 0;
	for (int i = 0; i < k; i++)
		sum += v[i];
	double median = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2.0;
	buf_addf(o, "score (of %d): mean %.1f, median %.1f, min %d, max %d\n", max, sum / k, median, v[0], v[k - 1]);
	int bucket[11] = {0}, top = 1;
	for (int i = 0; i < k; i++) {
		int pc = v[i] * 100 / max;
		bucket[pc >= 100 ? 10 : pc / 10]++;
	}
	for (int i = 0; i < 11; i++)
		top = bucket[i] > top ? bucket[i] : top;
	for (int i = 0; i < 11; i++) {
		char label[16];
		snprintf(label, sizeof label, i == 10 ? "100%%" : "%d-%d%%", i * 10, i * 10 + 9);
		buf_addf(o, "  %8s %4d%s", label, bucket[i], bucket[i] ? " " : "");
		for (int j = 0; j < (bucket[i] * 40 + top - 1) / top; j++)
			buf_addc(o, '#');
		buf_addc(o, '\n');
	}
	free(v);
}

/* Among students whose code compiled and was graded: who lost each scenario. */
static void summary_failed(struct buf *o, const struct batch *b)
{
	int *fails = xmalloc((size_t)b->nsc * sizeof *fails), graded = 0;
	memset(fails, 0, (size_t)b->nsc * sizeof *fails);
	for (int i = 0; i < b->n; i++) {
		const struct student *s = &b->st[i];
		if (!s->final || !s->have_scores || strcmp(s->status, "graded"))
			continue;
		graded++;
		for (int k = 0; k < b->nsc; k++)
			fails[k] += s->pts[k] >= 0 && s->pts[k] < b->sc[k].points;
	}
	for (int shown = 0; graded && shown < TOP_FAILED; shown++) {
		int best = -1;
		for (int k = 0; k < b->nsc; k++)
			if (fails[k] > 0 && (best < 0 || fails[k] > fails[best]))
				best = k;
		if (best < 0)
			break;
		if (!shown)
			buf_adds(o, "failed most (of the students whose code compiled):\n");
		buf_addf(o, "  %-16s %4d/%d (%.0f%%)  %s\n", b->sc[best].name, fails[best], graded,
			 100.0 * fails[best] / graded, b->sc[best].title);
		fails[best] = 0;
	}
	free(fails);
}

static void summary(const struct batch *b)
{
	struct buf o = {0};
	summary_counts(&o, b);
	summary_scores(&o, b);
	summary_failed(&o, b);
	buf_addf(&o, "gradebook: %s\nper-student results: %s/<student>.json (reports: .txt)\n", b->o.csv, b->o.out);
	fputs(buf_str(&o), stdout);
	fflush(stdout);
	buf_free(&o);
}

/* --- main --------------------------------------------------------------- */

static int setup(struct batch *b, int argc, char **argv)
{
	int rc;
	if ((rc = parse_batch_args(argc, argv, &b->o)))
		return rc;
	if (!b->o.dir || !*b->o.dir)
		return fail("--batch needs the class folder%s%s", "", "");
	resolve_paths(&b->o);
	if ((rc = load_kit(b)) || (rc = lock_out(b)) || (rc = discover(b)) || (rc = pick_seed(b)))
		return rc;
	/* Found out now, not after grading the whole class. */
	char *csvdir = xstrdup(b->o.csv);
	int csv_ok = mkdir_p(dirname(csvdir), 0755) == 0 && access(csvdir, W_OK) == 0;
	free(csvdir);
	if (!csv_ok)
		return fail("cannot write the gradebook %s: %s", b->o.csv, strerror(errno));
	if (b->o.deadline <= 0)
		b->o.deadline = default_deadline(b);
	if (b->o.jobs > b->n)
		b->o.jobs = b->n;
	b->key = xasprintf("lab=%s fingerprint=%016llx format=%s backend=%s seed=%lu public-only=%d "
			   "expect-dir=%s", b->o.lab, (unsigned long long)lab_fingerprint(b), b->o.format,
			   b->o.backend, b->o.seed, b->o.public_only, b->o.expect_dir ? b->o.expect_dir : "-");
	for (char *p = b->key; *p; p++)
		if (*p == '\n')
			*p = ' ';
	clean_leftovers(b);
	return make_tmpbase(b);
}

static void announce(const struct batch *b)
{
	int reused = 0, stale = 0;
	for (int i = 0; i < b->n; i++) {
		reused += b->st[i].reused;
		stale += b->st[i].stale;
	}
	fprintf(stderr, "grade: %d students in %s, %d job(s), seed %lu", b->n, b->o.dir, b->o.jobs, b->o.seed);
	if (reused)
		fprintf(stderr, "; resuming: %d already graded in %s", reused, b->o.out);
	if (stale)
		fprintf(stderr, "; regrading %d graded with other options or another version of the lab", stale);
	fputc('\n', stderr);
}

static void cleanup(struct batch *b)
{
	if (b->tmpbase)
		rm_rf(b->tmpbase);
	free(b->tmpbase);
	for (int i = 0; i < b->n; i++) {
		free(b->st[i].name);
		free(b->st[i].entry);
		free(b->st[i].src);
		free(b->st[i].status);
		free(b->st[i].pts);
	}
	free(b->st);
	scenarios_free(b->sc, b->nsc);
	lab_free(&b->lab);
	free(b->key);
	if (b->lock_fd > 0)
		close(b->lock_fd);
	if (b->class_fd >= 0)
		close(b->class_fd);
}

static int all_graded(const struct batch *b)
{
	for (int i = 0; i < b->n; i++)
		if (!b->st[i].final)
			return 0;
	return 1;
}

int batch_main(int argc, char **argv)
{
	struct batch b;
	memset(&b, 0, sizeof b);
	b.lock_fd = -1;
	b.class_fd = -1;
	b.t0 = now_s();
	b.tty = isatty(2);
	/* Signals are taken synchronously (sigtimedwait), so an interrupt
	 * stops the children before we go. */
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &b.orig_mask);
	int rc = setup(&b, argc, argv);
	if (rc == 0) {
		for (int i = 0; i < b.n; i++) {
			if (b.st[i].src && try_reuse(&b, &b.st[i]))
				b.done++;
		}
		announce(&b);
		run_all(&b);
		if (b.interrupted) {
			fprintf(stderr, "grade: interrupted: %d of %d students done; run the same command again "
				"to resume (results in %s)\n", b.done, b.n, b.o.out);
			rc = EXIT_INTERRUPTED;
		} else if ((rc = write_csv(&b)) == 0) {
			summary(&b);
			rc = all_graded(&b) ? 0 : EXIT_SETUP;
		}
	}
	cleanup(&b);
	sigprocmask(SIG_SETMASK, &b.orig_mask, NULL);
	return rc;
}
