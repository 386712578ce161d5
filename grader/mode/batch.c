/*
 * batch.c — `grade --batch DIR [--csv FILE] [--jobs N] [--out DIR]`: the
 * class folder, the out dir, resume, main (batch.h names the other parts).
 *
 * One child `grade` per student (batch_sched.c): /proc/self/exe re-executed
 * with the single-submission options; it writes <out>/<student>.json (the
 * results file) and then <out>/<student>.row (report/row.h), both
 * atomically; its report goes to <out>/<student>.txt. The parent never
 * parses the results file: only the row.
 *
 * Resume: a final row (graded / did not compile / rejected) is reused, not
 * regraded, when its key line equals this run's: the options, the lab's
 * fingerprint and the hash of the submission's bytes. Keyed on content, not
 * time: a corrected file carrying an older mtime (cp -p, unzip, tar x) is
 * regraded, an untouched one is not. --student NAME regrades exactly those
 * (the others' rows kept as they are), --force everyone (batch_plan.c).
 * Every student of a batch gets the same --seed, taken from <out>/SEED
 * (written on the first start), so a resumed run equals a fresh one.
 */
#include "batch.h"
#include "csv.h"
#include "intake.h"
#include "locate.h"
#include "modes.h"
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define fail(...) setup_error_as("grade", __VA_ARGS__)

/* Student names come from file names: keep terminal escapes off the
 * screen, the way every student text is shown (util/text.c). */
char *printable(const char *s)
{
	struct buf b = {0};
	esc_text(&b, s, strlen(s));
	char *p = xstrdup(buf_str(&b));
	buf_free(&b);
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

/* Paths relative to the caller; the default out dir derives from the CSV. */
static void resolve_paths(struct batch *b)
{
	b->dir = caller_path(b->opt->batch_dir);
	b->csv = caller_path(b->opt->csv);
	b->expect_dir = caller_path(b->opt->expect_dir);
	if (b->opt->out) {
		b->out = caller_path(b->opt->out);
	} else {
		char *stem = xstrdup(b->csv);
		if (ends_with(stem, ".csv"))
			stem[strlen(stem) - 4] = '\0';
		b->out = xasprintf("%s-results", stem);
		free(stem);
	}
}

/* --- the lab: scenario columns, the per-student deadline ---------------- */

static int load_kit(struct batch *b)
{
	char err[700];
	if (kit_enter(&b->kit, b->opt->root, b->opt->build, b->opt->lab, err, sizeof err) < 0 ||
	    core_load(&b->core, &b->kit, err, sizeof err) < 0 ||
	    core_scenarios(&b->core, b->opt->public_only, err, sizeof err) < 0)
		return fail("%s", err);
	return 0;
}

/* Generous: a cold compile, then every scenario's run and reference run
 * at their full time limits, twice over. */
static double default_deadline(const struct batch *b)
{
	double runs = 0;
	for (int i = 0; i < b->core.nsc; i++)
		runs += b->core.sc[i].timeout > 0 ? b->core.sc[i].timeout : b->core.lab.timeout;
	return 120 + 4 * runs;
}

static int cmp_student(const void *a, const void *b)
{
	return strcmp(((const struct student *)a)->name, ((const struct student *)b)->name);
}

static struct student *add_student(struct batch *b, const char *name, const char *entry, int in_folder,
				   char *src, enum row_status status)
{
	b->st = xrealloc(b->st, (size_t)(b->n + 1) * sizeof *b->st);
	struct student *s = &b->st[b->n++];
	memset(s, 0, sizeof *s);
	s->name = xstrdup(name);
	s->entry = xstrdup(entry);
	s->in_folder = in_folder;
	s->src = src;
	s->status = status;
	s->final = status != ROW_UNKNOWN;   /* a missing submission is as graded as it gets */
	return s;
}

/* A student's folder: its submission found by the rule every platform
 * uses (locate.h); none, and the student has no submission, the reason in
 * detail. A folder that can't be opened (a symlink) is left to intake. */
static void add_folder(struct batch *b, const char *name, const char *path)
{
	struct intake in;
	char why[512], *rel = NULL;
	int dfd = intake_open_dir(b->class_fd, name, &in);
	int found = dfd >= 0 ? locate_submission(dfd, b->core.lab.source, &rel, why, sizeof why) : LOCATE_FOUND;
	if (found != LOCATE_FOUND) {
		/* nothing at all keeps the gradebook's "no <source> in the folder" */
		struct student *s = add_student(b, name, name, 1, NULL, ROW_NO_SOURCE);
		s->detail = found == LOCATE_REFUSED ? xstrdup(why) : NULL;
	} else {
		struct student *s = add_student(b, name, name, 1, path_join(path, rel ? rel : b->core.lab.source),
						ROW_UNKNOWN);
		s->inner = rel ? rel : xstrdup(b->core.lab.source);
		rel = NULL;
	}
	free(rel);
	if (dfd >= 0)
		close(dfd);
}

/* One entry of DIR: a folder holding the lab's source, or STUDENT.c.
 * Only classified here (lstat, nothing opened or followed): what is graded
 * is decided when the student's turn comes, by intake (open_submission). A
 * symlink is a student when it is named *.c or points at a folder (a
 * "student folder" that is a link): intake then refuses it. */
static void consider_entry(struct batch *b, const char *name, const struct stat *outst)
{
	char *path = path_join(b->dir, name);
	struct stat st, tgt;
	int is_c = ends_with(name, ".c");
	if (fstatat(b->class_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		char *p = printable(name);
		fprintf(stderr, "grade: skipping %s: %s\n", p, strerror(errno));
		free(p);
	} else if (S_ISDIR(st.st_mode) || (S_ISLNK(st.st_mode) && !is_c &&
		   fstatat(b->class_fd, name, &tgt, 0) == 0 && S_ISDIR(tgt.st_mode))) {
		if (outst && st.st_dev == outst->st_dev && st.st_ino == outst->st_ino)
			;   /* our own results folder, inside the class folder */
		else
			add_folder(b, name, path);
	} else if (is_c) {
		char *student = xstrdup(name);
		student[strlen(student) - 2] = '\0';
		add_student(b, student, name, 0, xstrdup(path), ROW_UNKNOWN);
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
	b->class_fd = open(b->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = b->class_fd < 0 ? NULL : fdopendir(dup(b->class_fd));
	if (!d)
		return fail("cannot read the class folder %s: %s", b->dir, strerror(errno));
	struct stat outst;
	int have_out = stat(b->out, &outst) == 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			consider_entry(b, e->d_name, have_out ? &outst : NULL);
	closedir(d);
	if (!b->n)
		return fail("no submissions in %s (a folder per student with %s, or STUDENT.c files)",
			    b->dir, b->core.lab.source);
	qsort(b->st, (size_t)b->n, sizeof *b->st, cmp_student);
	for (int i = 1; i < b->n; i++)
		if (!strcmp(b->st[i].name, b->st[i - 1].name))
			return fail("student '%s' has both a folder and a .c file in %s", b->st[i].name, b->dir);
	for (int i = 0; i < b->n; i++) {
		b->st[i].pts = xmalloc((size_t)b->core.nsc * sizeof *b->st[i].pts);
		for (int k = 0; k < b->core.nsc; k++)
			b->st[i].pts[k] = -1;
	}
	return 0;
}

/* --- the out dir: lock, seed, leftovers --------------------------------- */

static int lock_out(struct batch *b)
{
	if (mkdir_p(b->out, 0755) < 0)
		return fail("cannot create %s: %s", b->out, strerror(errno));
	char *p = path_join(b->out, "LOCK");
	b->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	free(p);
	if (b->lock_fd < 0)
		return fail("cannot write into %s: %s", b->out, strerror(errno));
	if (flock(b->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return fail("another `grade --batch` is using %s (wait for it, or use another --out)", b->out);
	return 0;
}

/* The batch seed: --seed, else <out>/SEED from an earlier start, else fresh.
 * Stored before any child starts, so a resumed run uses the same one. */
static int pick_seed(struct batch *b)
{
	char *p = path_join(b->out, "SEED");
	unsigned long old = 0;
	int have = seed_read(p, &old) == 0;
	b->seed = b->opt->seed;
	if (!b->opt->seed_given && have) {
		b->seed = old;
	} else if (!b->opt->seed_given) {
		b->seed = seed_fresh();
	}
	int rc = 0;
	if (!have || old != b->seed) {
		char text[32];
		int n = snprintf(text, sizeof text, "%lu\n", b->seed);
		if (write_atomic(p, text, (size_t)n, 0644) < 0)
			rc = fail("cannot write %s: %s", p, strerror(errno));
	}
	free(p);
	return rc;
}

/* Temporary files of an interrupted run (write_atomic's and ours). */
static void clean_leftovers(const struct batch *b)
{
	DIR *d = opendir(b->out);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		int ours = e->d_name[0] == '.' && ends_with(e->d_name, ".tmp");
		if (ours || strstr(e->d_name, ".tmp.")) {
			char *p = path_join(b->out, e->d_name);
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
		return fail("cannot create a temporary directory: %s", strerror(e));
	}
	b->tmpbase = t;
	return 0;
}

/* --- rows: the children's results (report/row.h) ----------------------- */

char *batch_out_file(const struct batch *b, const char *name, const char *suffix)
{
	return xasprintf("%s/%s%s", b->out, name, suffix);
}

char *batch_status_text(const struct batch *b, const struct student *s)
{
	if (s->status == ROW_UNKNOWN)
		return xstrdup("not graded");
	if (s->status == ROW_NO_SOURCE && s->detail)
		return xasprintf("no gradable submission: %s", s->detail);
	return row_status_text(s->status, s->detail, b->core.lab.source);
}

static int scenario_index(const struct batch *b, const char *name)
{
	for (int i = 0; i < b->core.nsc; i++)
		if (!strcmp(b->core.sc[i].name, name))
			return i;
	return -1;
}

void student_reset(struct batch *b, struct student *s)
{
	free(s->detail);
	s->detail = NULL;
	s->status = ROW_UNKNOWN;
	s->have_scores = s->final = s->score = s->max = 0;
	for (int k = 0; k < b->core.nsc; k++)
		s->pts[k] = -1;
	student_reset_causes(b, s);
}

int student_take_row(struct batch *b, struct student *s, const struct row *r, const char *key)
{
	if (key && strcmp(r->key, key))
		return -1;
	student_reset(b, s);
	s->status = r->status;
	s->detail = r->detail ? xstrdup(r->detail) : NULL;
	s->score = r->score;
	s->max = r->max;
	for (int i = 0; i < r->nsc; i++) {
		int k = scenario_index(b, r->sc[i].name);
		if (k >= 0)
			s->pts[k] = r->sc[i].points;
	}
	student_take_causes(b, s, r);
	s->have_scores = 1;
	s->final = row_status_final(s->status);
	return 0;
}

int student_read_row(struct batch *b, struct student *s, char **key)
{
	char *p = batch_out_file(b, s->name, ".row");
	char *text = read_file(p, NULL, 1 << 20);
	free(p);
	struct row r;
	*key = NULL;
	int rc = row_parse(text, &r);
	free(text);
	if (rc < 0)
		return -1;
	student_take_row(b, s, &r, NULL);
	*key = xstrdup(r.key);
	row_free(&r);
	return 0;
}

/* --- the gradebook (report/csv.h) ---------------------------------------- */

static int write_csv(const struct batch *b)
{
	struct gb_student *g = xmalloc((size_t)b->n * sizeof *g);
	char **status = xmalloc((size_t)b->n * sizeof *status);
	for (int i = 0; i < b->n; i++) {
		const struct student *s = &b->st[i];
		status[i] = batch_status_text(b, s);
		g[i] = (struct gb_student){
			.name = s->name, .has_submission = s->src != NULL, .have_scores = s->have_scores,
			.score = s->score, .max = s->max, .pts = s->pts, .status = status[i],
			.cause = s->cause, .warnings = s->warnings,
		};
	}
	struct buf out = {0};
	csv_gradebook(&out, b->core.sc, b->core.nsc, g, b->n);
	int rc = write_atomic(b->csv, out.p, out.len, 0644);
	buf_free(&out);
	for (int i = 0; i < b->n; i++)
		free(status[i]);
	free(status);
	free(g);
	return rc < 0 ? fail("cannot write %s: %s", b->csv, strerror(errno)) : 0;
}

/* --- main --------------------------------------------------------------- */

static int setup(struct batch *b)
{
	int rc;
	if (!results_valid_format(b->opt->format))
		return fail("--format must be gradescope, prairielearn or autolab, not '%s'", b->opt->format);
	if (!b->opt->batch_dir || !*b->opt->batch_dir)
		return fail("--batch needs the class folder");
	resolve_paths(b);
	if ((rc = load_kit(b)) || (rc = lock_out(b)) || (rc = discover(b)) || (rc = pick_seed(b)))
		return rc;
	/* Found out now, not after grading the whole class. */
	char *csvdir = xstrdup(b->csv);
	int csv_ok = mkdir_p(dirname(csvdir), 0755) == 0 && access(csvdir, W_OK) == 0;
	free(csvdir);
	if (!csv_ok)
		return fail("cannot write the gradebook %s: %s", b->csv, strerror(errno));
	b->deadline = b->opt->deadline > 0 ? b->opt->deadline : default_deadline(b);
	b->jobs = b->opt->jobs ? b->opt->jobs : online_cpus();
	if (b->jobs > b->n)
		b->jobs = b->n;
	struct digest fp = core_fingerprint(&b->core, b->expect_dir);
	b->key = xasprintf("lab=%s fingerprint=%s format=%s backend=%s seed=%lu public-only=%d "
			   "expect-dir=%s", b->kit.lab, fp.hex, b->opt->format,
			   b->opt->backend_word, b->seed, b->opt->public_only, b->expect_dir ? b->expect_dir : "-");
	for (char *p = b->key; *p; p++)
		if (*p == '\n')
			*p = ' ';
	clean_leftovers(b);
	return make_tmpbase(b);
}

static void announce(const struct batch *b)
{
	int reused = 0, stale = 0, changed = 0;
	for (int i = 0; i < b->n; i++) {
		reused += b->st[i].reused;
		stale += b->st[i].stale;
		changed += b->st[i].changed;
	}
	fprintf(stderr, "grade: %d students in %s, %d job(s), seed %lu", b->n, b->dir, b->jobs, b->seed);
	if (b->opt->nstudents)
		fprintf(stderr, "; regrading %d named by --student", b->named);
	if (b->opt->nstudents && b->todo > b->named)
		fprintf(stderr, "; recording %d other refused submission(s) without results", b->todo - b->named);
	else if (b->opt->force && b->forced_resumed)
		fprintf(stderr, "; --force, resumed: %d already regraded by the interrupted run, %d to go",
			b->forced_resumed, b->todo);
	else if (b->opt->force)
		fprintf(stderr, "; --force: regrading everyone");
	if (reused)
		fprintf(stderr, "; resuming: %d already graded in %s", reused, b->out);
	if (changed)
		fprintf(stderr, "; regrading %d whose submission changed", changed);
	if (stale)
		fprintf(stderr, "; regrading %d graded with other options or another version of the lab", stale);
	fputc('\n', stderr);
	if (b->kept_other)
		fprintf(stderr, "grade: --student: kept %d other student(s)' results made from another submission, "
			"other options or another version of the lab (run without --student to regrade them)\n",
			b->kept_other);
	if (b->unrowed)
		fprintf(stderr, "grade: --student: %d other student(s) have no results yet (run without --student "
			"to grade them)\n", b->unrowed);
}

static void cleanup(struct batch *b)
{
	if (b->tmpbase)
		rm_rf(b->tmpbase);
	free(b->tmpbase);
	for (int i = 0; i < b->n; i++) {
		free(b->st[i].name);
		free(b->st[i].entry);
		free(b->st[i].inner);
		free(b->st[i].src);
		free(b->st[i].detail);
		free(b->st[i].pts);
		free(b->st[i].cause);
	}
	free(b->st);
	core_close(&b->core);
	kit_free(&b->kit);
	free(b->key);
	free((char *)b->dir);
	free((char *)b->csv);
	free((char *)b->out);
	free((char *)b->expect_dir);
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

int batch_main(const struct cli *opt)
{
	struct batch b;
	memset(&b, 0, sizeof b);
	b.opt = opt;
	b.lock_fd = -1;
	b.class_fd = -1;
	b.t0 = now_s();
	b.tty = isatty(2);
	/* Signals are taken synchronously (sigtimedwait), so an interrupt
	 * stops the children before we go. */
	sigset_t block;
	batch_signals(&block);
	sigprocmask(SIG_BLOCK, &block, &b.orig_mask);
	int rc = setup(&b);
	if (rc == 0)
		rc = batch_plan(&b);
	if (rc == 0) {
		announce(&b);
		batch_run_all(&b);
		if (b.interrupted) {
			fprintf(stderr, "grade: interrupted: %d of %d students done; run the same command again "
				"to resume (results in %s)\n", b.done, b.n, b.out);
			rc = BATCH_EXIT_INTERRUPTED;
		} else if (batch_write_absent(&b), (rc = write_csv(&b)) == 0) {
			batch_forced_finish(&b);
			batch_dashboard(&b);
			batch_summary(&b);
			rc = all_graded(&b) ? 0 : EXIT_SETUP;
		}
	}
	cleanup(&b);
	sigprocmask(SIG_SETMASK, &b.orig_mask, NULL);
	return rc;
}
