/*
 * batch_sched.c — grade --batch's scheduler (batch.h): one child `grade` per
 * student, --jobs at a time, each in its own process group with PDEATHSIG
 * and its own TMPDIR, killed with its group past the deadline; a refused
 * submission decided here, without a child.
 */
#include "batch.h"
#include "intake.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char **child_argv(const struct batch *b, const struct student *s, const char *key)
{
	char **v = xmalloc(32 * sizeof *v);
	int k = 0;
	char seed[32];
	snprintf(seed, sizeof seed, "%lu", b->seed);
	v[k++] = xstrdup("grade");
	char *row = batch_out_file(b, s->name, ".row");
	const char *pairs[][2] = {
		{ "--root", b->kit.root }, { "--build", b->kit.build }, { "--lab", b->kit.lab },
		{ "--backend", b->opt->backend_word }, { "--format", b->opt->format }, { "--seed", seed },
		{ "--expect-dir", b->expect_dir }, { "--row", row }, { "--row-key", key },
	};
	for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
		if (!pairs[i][1])
			continue;
		v[k++] = xstrdup(pairs[i][0]);
		v[k++] = xstrdup(pairs[i][1]);
	}
	free(row);
	if (b->opt->public_only)
		v[k++] = xstrdup("--public-only");
	v[k++] = xstrdup("--json");
	v[k++] = batch_out_file(b, s->name, ".json");
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
	/* stdin: the submission's bytes as the batch read and hashed them
	 * (a sealed memfd: the child grades exactly what the row's key
	 * names, and never opens the path). */
	if (dup2(subfd, 0) < 0 || fcntl(0, F_SETFD, 0) < 0 || dup2(outfd, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(127);
	setenv("TMPDIR", s->tmpdir, 1);
	setenv("VIRTLAB_SANDBOX", core_layer_kind(), 1);   /* the batch's layer, never another */
	execv("/proc/self/exe", argv);
	fprintf(stderr, "grade: cannot re-execute /proc/self/exe: %s\n", strerror(errno));
	_exit(127);
}

static int open_part(const struct batch *b, const struct student *s, const char *what)
{
	char *p = xasprintf("%s/.%s.%s.tmp", b->out, s->name, what);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	free(p);
	return fd;
}

static void finish_student(struct batch *b, struct student *s, int wstatus);

/* The student-safe report of a student the batch graded without a child
 * (a refusal, no submission): <out>/student-reports/<student>.txt, as a
 * child writes it (single.c), so that every student has one to forward. */
static void write_student_copy(struct batch *b, const struct student *s, const struct grading *g)
{
	struct buf r = {0};
	report_text_for(&r, g, FOR_STUDENT);
	char *dir = path_join(b->out, BATCH_STUDENT_REPORTS);
	char *path = xasprintf("%s/%s.txt", dir, s->name);
	if (mkdir_p(dir, 0755) < 0 || write_atomic(path, r.p, r.len, 0644) < 0)
		fprintf(stderr, "grade: cannot write %s: %s\n", path, strerror(errno));
	free(dir);
	free(path);
	buf_free(&r);
}

/* The report and results file of a refused submission, rendered as a
 * child's would be (report.c, json.c): every scenario "not graded". The
 * report goes where the child's part would, so finish_student() moves it. */
static void write_refusal(struct batch *b, const struct student *s, const char *cause)
{
	struct grading g = { .submission = s->src, .layer = "none (not run)", .rejected = cause };
	snprintf(b->core.backend_desc, sizeof b->core.backend_desc, "%s", b->opt->backend_word);
	core_grade(&b->core, &g);
	struct buf r = {0}, j = {0};
	report_text(&r, &g);
	results_trailer(&r, b->opt->format, &g);
	char *part = xasprintf("%s/.%s.txt.tmp", b->out, s->name), *json = batch_out_file(b, s->name, ".json");
	if (write_atomic(part, r.p, r.len, 0644) < 0 ||
	    (results_render(&j, b->opt->format, &g) == 0 && write_atomic(json, j.p, j.len, 0644) < 0))
		fprintf(stderr, "grade: cannot write into %s: %s\n", b->out, strerror(errno));
	write_student_copy(b, s, &g);
	free(part);
	free(json);
	buf_free(&r);
	buf_free(&j);
	core_grading_free(&g);
}

void batch_write_absent(struct batch *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct student *s = &b->st[i];
		if (s->status != ROW_NO_SOURCE)
			continue;
		char *why = s->detail ? xstrdup(s->detail)
			: xasprintf("a folder without %s", b->core.lab.source);
		struct grading g = { .submission = s->entry, .layer = "none (not run)", .rejected = why };
		snprintf(b->core.backend_desc, sizeof b->core.backend_desc, "%s", b->opt->backend_word);
		core_grade(&b->core, &g);
		write_student_copy(b, s, &g);
		core_grading_free(&g);
		free(why);
	}
}

/* Intake refused the submission: a row of the student's own, decided
 * here (no child), and a one-paragraph report beside the others. */
static void refuse(struct batch *b, struct student *s, const struct intake *in)
{
	student_reset(b, s);
	int max = 0;
	for (int k = 0; k < b->core.nsc; k++) {
		s->pts[k] = 0;
		max += b->core.sc[k].points;
	}
	if (in->status == INTAKE_MISSING) {
		free(s->src);
		s->src = NULL;   /* counted "without a submission", as at discovery */
		s->status = ROW_NO_SOURCE;
	} else if (intake_refusal_is_final(in)) {
		s->status = ROW_REJECTED;
		s->detail = xstrdup(intake_cause(in));
	} else {
		s->status = ROW_SETUP_ERROR;
		s->detail = xasprintf("cannot read the submission: %s", intake_cause(in));
	}
	s->final = s->status != ROW_SETUP_ERROR;
	s->have_scores = s->final;
	s->max = max;
	if (intake_refusal_is_final(in))
		write_refusal(b, s, intake_cause(in));
	finish_student(b, s, -1);
}

/* The bytes intake read, in a sealed memory file for the child's stdin
 * (intake_read there accepts it: a regular file, not /proc). -1 with errno. */
static int bytes_fd(const struct intake *in)
{
	int fd = memfd_create("submission", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < in->len) {
		ssize_t w = write(fd, in->data + off, in->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		off += (size_t)w;
	}
	fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* The submission read once, here: its hash goes into the row's key and its
 * bytes (not the path) to the child, so that a row always names the bytes
 * it graded, whatever happens to the file meanwhile. An fd, or -1 with
 * in->status (a refusal) or *e (our own failure). */
static int read_submission(const struct batch *b, const struct student *s, struct intake *in,
			   struct digest *hash, int *e)
{
	*e = 0;
	int fd = batch_open_submission(b, s, in);
	if (fd < 0)
		return -1;
	int rc = intake_read(fd, INTAKE_MAX_BYTES, in);
	close(fd);
	if (rc < 0)
		return -1;
	*hash = submission_hash(in->data, in->len);
	fd = bytes_fd(in);
	*e = fd < 0 ? errno : 0;
	return fd;
}

static void spawn(struct batch *b, struct student *s, int index)
{
	/* A stale row or results file must not pass for this run's. */
	char *row = batch_out_file(b, s->name, ".row"), *json = batch_out_file(b, s->name, ".json");
	unlink(row);
	unlink(json);
	free(row);
	free(json);
	struct intake in;
	struct digest hash = {""};
	int e;
	int subfd = read_submission(b, s, &in, &hash, &e);
	intake_free(&in);
	if (subfd < 0 && !e) {
		refuse(b, s, &in);
		return;
	}
	char num[32];
	snprintf(num, sizeof num, "%d", index);
	s->tmpdir = path_join(b->tmpbase, num);
	mkdir(s->tmpdir, 0711);
	chmod(s->tmpdir, 0711);
	int outfd = open_part(b, s, "txt"), errfd = open_part(b, s, "err");
	char *key = student_key(b->key, &hash);
	char **argv = child_argv(b, s, key);
	free(key);
	core_layer();   /* picked once, by the batch: every child gets the same layer */
	pid_t parent = getpid();
	pid_t pid = subfd < 0 || outfd < 0 || errfd < 0 ? -1 : fork();
	if (pid == 0)
		child_exec(b, s, argv, subfd, outfd, errfd, parent);
	e = e ? e : errno;
	if (subfd >= 0)
		close(subfd);
	free_vec(argv);
	if (outfd >= 0)
		close(outfd);
	if (errfd >= 0)
		close(errfd);
	s->started = now_s();
	if (pid < 0) {
		s->status = ROW_GRADER_ERROR;
		s->detail = xasprintf("cannot start a grader: %s", strerror(e));
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
	char *p = xasprintf("%s/.%s.err.tmp", b->out, s->name);
	char *text = read_file(p, NULL, 1 << 20);
	free(p);
	char *msg = NULL;
	for (char *save, *l = text ? strtok_r(text, "\n", &save) : NULL; l && !msg; l = strtok_r(NULL, "\n", &save))
		if (!strncmp(l, "grade: ", 7) && strncmp(l, "grade: WARNING", 14))
			msg = xasprintf("%.300s", l + 7);
	free(text);
	return msg ? msg : xstrdup("no message");
}

/* The status of a child that did not write a usable row (its detail in
 * *detail), or ROW_UNKNOWN when spawn() already said why. */
static enum row_status failure_status(const struct batch *b, const struct student *s, int w, char **detail)
{
	char sig[32];
	*detail = NULL;
	if (s->killed) {
		*detail = xasprintf("no result after %g s (killed; see --deadline)", b->deadline);
		return ROW_GRADER_ERROR;
	}
	if (w == -1)
		return ROW_UNKNOWN;
	if (WIFSIGNALED(w)) {
		signal_name(WTERMSIG(w), sig, sizeof sig);
		*detail = xasprintf("grade killed by %s", sig);
		return ROW_GRADER_ERROR;
	}
	if (WEXITSTATUS(w) == EXIT_SETUP) {
		*detail = child_complaint(b, s);
		return ROW_SETUP_ERROR;
	}
	*detail = xasprintf("grade exited %d without a result", WEXITSTATUS(w));
	return ROW_GRADER_ERROR;
}

/* Moves the child's report into place (the .txt is useful even on failure). */
static void keep_outputs(const struct batch *b, const struct student *s)
{
	const char *what[] = { "txt", "err" };
	for (int i = 0; i < 2; i++) {
		char *part = xasprintf("%s/.%s.%s.tmp", b->out, s->name, what[i]);
		char *dest = xasprintf("%s/%s.%s", b->out, s->name, what[i]);
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

void format_duration(char *out, size_t n, double seconds)
{
	long t = seconds > 0 ? (long)(seconds + 0.5) : 0;
	if (t < 60)
		snprintf(out, n, "%lds", t);
	else if (t < 3600)
		snprintf(out, n, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(out, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
}

void progress_line(struct buf *b, int k, int n, double elapsed, const char *name, const char *what)
{
	char eta[32];
	double per_min = elapsed > 0 ? k * 60.0 / elapsed : 0;
	format_duration(eta, sizeof eta, per_min > 0 ? (n - k) * 60.0 / per_min : 0);
	char *p = printable(name);
	int w = snprintf(NULL, 0, "%d", n);
	int cut = (int)utf8_cut(p, strlen(p), 80);   /* a long name, cut between characters */
	buf_addf(b, "[%*d/%d] %.*s: %s; %.1f/min, ETA %s", w, k, n, cut, p, what, per_min, eta);
	free(p);
}

/* After each student this run grades: on a terminal one line rewritten in
 * place, else (CI, a log file) one line per student. */
static void progress(struct batch *b, const struct student *s)
{
	char *raw = batch_status_text(b, s), *status = printable(raw);   /* a detail may quote a path */
	free(raw);
	char what[200];
	int cut = (int)utf8_cut(status, strlen(status), 160);
	if (s->have_scores)
		snprintf(what, sizeof what, "%.*s %d/%d", cut, status, s->score, s->max);
	else
		snprintf(what, sizeof what, "%.*s", cut, status);
	free(status);
	struct buf line = {0};
	progress_line(&line, b->finished, b->todo, now_s() - b->t_grading, s->name, what);
	if (b->tty)
		fprintf(stderr, "\r%s\033[K", buf_str(&line));
	else
		fprintf(stderr, "grade: %s\n", buf_str(&line));
	buf_free(&line);
}

static void say(const char *name, const char *what)
{
	char *p = printable(name), *w = printable(what);
	fprintf(stderr, "\r\033[Kgrade: %s: %s\n", p, w);
	free(p);
	free(w);
}

static void finish_student(struct batch *b, struct student *s, int w)
{
	char *key = NULL;
	int have = w != -1 && !s->killed && WIFEXITED(w) && student_read_row(b, s, &key) == 0;
	free(key);
	if (!have) {
		char *detail;
		enum row_status st = failure_status(b, s, w, &detail);
		if (st != ROW_UNKNOWN) {
			student_reset(b, s);
			s->status = st;
			s->detail = detail;
		}
	}
	keep_outputs(b, s);
	if (s->tmpdir)
		rm_rf(s->tmpdir);
	free(s->tmpdir);
	s->tmpdir = NULL;
	s->pid = 0;
	b->done++;
	b->finished++;
	if (s->final)
		batch_forced_done(b, s);
	if (!s->final && b->tty) {   /* kept above the progress line (piped: the line says it) */
		char *text = batch_status_text(b, s);
		say(s->name, text);
		free(text);
	}
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
		if (s->pid > 0 && !s->killed && now - s->started > b->deadline) {
			kill(-s->pid, SIGKILL);
			kill(s->pid, SIGKILL);
			s->killed = 1;
		}
	}
}

void batch_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/* Sleeps until a child ends, a signal asks us to stop, or the nearest
 * deadline (at most a second). */
static void wait_event(struct batch *b)
{
	double wait = 1.0, now = now_s();
	for (int i = 0; i < b->n; i++)
		if (b->st[i].pid > 0 && !b->st[i].killed && b->st[i].started + b->deadline - now < wait)
			wait = b->st[i].started + b->deadline - now;
	if (wait < 0.01)
		wait = 0.01;
	struct timespec ts = { (time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9) };
	sigset_t set;
	batch_signals(&set);
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
		/* Killed before the parent saw it finish: whatever it already wrote
		 * (its row and results may be in place, its report is not yet) must
		 * not pass for a finished grading on resume, or the report is lost. */
		const char *tmp[] = { "txt", "err" }, *done[] = { ".row", ".json" };
		for (int k = 0; k < 2; k++) {
			char *path = xasprintf("%s/.%s.%s.tmp", b->out, s->name, tmp[k]);
			unlink(path);
			free(path);
			path = batch_out_file(b, s->name, done[k]);
			unlink(path);
			free(path);
		}
		s->pid = 0;
	}
	b->running = 0;
}

void batch_run_all(struct batch *b)
{
	int next = 0;
	b->t_grading = now_s();
	while (!b->interrupted) {
		while (b->running < b->jobs && next < b->n) {
			struct student *s = &b->st[next];
			if (!s->final && !s->keep && s->status == ROW_UNKNOWN)
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

