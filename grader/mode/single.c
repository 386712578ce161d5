/*
 * single.c — `grade SUBMISSION.c`: one submission (HACKING.md, "The grade
 * program"). A thin mode: intake, the grading core, then the reports.
 *
 *   intake (intake.h) → the grading core (grading.h: build, expectations,
 *   runs, verdicts) → text report on stdout, results file (--json), the
 *   batch row (--row, under grade --batch), expectations (--write-expect).
 *
 * Exit status: 0 when grading completed (whatever the score); 2 for a usage
 * or setup error (bad option, missing submission, broken kit) and also when
 * some scenario could not be graded for a reason that is not the student's
 * (sandbox failure, no usable expectation): the report and results file are
 * still written, with those scenarios marked ERR, so a class run can find
 * and re-grade them rather than record a wrong 0.
 */
#include "modes.h"
#include "grading.h"
#include "intake.h"
#include "lang.h"
#include "locate.h"
#include "report.h"
#include "row.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define setup_error(...) setup_error_as("grade", __VA_ARGS__)
/* Under grade --batch: the student-safe reports' folder in --out. */
#define STUDENT_REPORTS "student-reports"

struct single {
	const struct cli *opt;
	const char *json, *expect_dir, *write_expect;   /* resolved against where grade started */
	struct kit kit;
	struct core core;
	struct intake sub;      /* the submission's bytes, as intake read them */
	int folder_fd;          /* SUBMISSION is a folder (locate.h): its fd, else -1 */
	char *located;          /* the file found in it, as SUBMISSION/rel */
	char refusal[512];      /* why nothing in the folder is gradable */
	struct grading g;
};

/* Reads the submission once, through intake (intake.h), before anything
 * else: a symlink, a non-regular, empty or over-1-MiB file is the
 * submission's own refusal (graded 0, g.rejected says why); a missing or
 * unreadable one is a setup error (the TA's path, the grader's machine). */
static int intake_submission(struct single *s)
{
	int fd = s->opt->submission_fd;
	struct stat st;
	if (fd < 0 && lstat(s->opt->submission, &st) == 0 && S_ISDIR(st.st_mode)) {
		/* A folder (a platform's upload): its file is found once the lab,
		 * which names the source, is known (locate_in_folder). */
		s->folder_fd = intake_open_dir(AT_FDCWD, s->opt->submission, &s->sub);
		if (s->folder_fd >= 0)
			return 0;
	}
	if (fd < 0)
		fd = intake_open(AT_FDCWD, s->opt->submission, &s->sub);
	if (fd >= 0) {
		intake_read(fd, INTAKE_MAX_BYTES, &s->sub);
		close(fd);
	}
	if (s->opt->submission_fd == 0)   /* keep fd 0 open: /dev/null */
		open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (s->sub.status == INTAKE_OK)
		return 0;
	if (intake_refusal_is_final(&s->sub)) {
		s->g.rejected = intake_cause(&s->sub);
		return 0;
	}
	return setup_error("cannot read submission %s: %s", s->opt->submission,
			   s->sub.status == INTAKE_MISSING ? strerror(s->sub.err) : intake_cause(&s->sub));
}

/* SUBMISSION is a folder: the file locate.h's rule picks, read through
 * intake; none is the submission's own refusal, like an empty file. */
static void locate_in_folder(struct single *s)
{
	char *rel;
	if (locate_submission(s->folder_fd, s->core.lab.source, &rel, s->refusal, sizeof s->refusal) != LOCATE_FOUND) {
		s->g.rejected = s->refusal;
		return;
	}
	s->located = path_join(s->opt->submission, rel);
	int fd = locate_open(s->folder_fd, rel, &s->sub);
	free(rel);
	if (fd >= 0) {
		intake_read(fd, INTAKE_MAX_BYTES, &s->sub);
		close(fd);
	}
	if (s->sub.status != INTAKE_OK) {
		snprintf(s->refusal, sizeof s->refusal, "%s", intake_cause(&s->sub));
		s->g.rejected = s->refusal;
	}
}

/* The seed: --seed, else the expect-dir's SEED (its outputs were made with
 * it), else fresh for this grading run. */
static unsigned long pick_seed(const struct single *s)
{
	if (s->opt->seed_given)
		return s->opt->seed;
	if (s->expect_dir) {
		char *p = path_join(s->expect_dir, "SEED");
		unsigned long seed;
		int ok = seed_read(p, &seed) == 0;
		free(p);
		if (ok)
			return seed;
	}
	return seed_fresh();
}

static int setup(struct single *s)
{
	int rc;
	char err[700];
	if (!results_valid_format(s->opt->format))
		return setup_error("--format must be gradescope, prairielearn or autolab, not '%s'", s->opt->format);
	if ((rc = intake_submission(s)))
		return rc;
	/* Option strings live until exit. */
	s->json = caller_path(s->opt->json);
	s->expect_dir = caller_path(s->opt->expect_dir);
	s->write_expect = caller_path(s->opt->write_expect);
	if (kit_enter(&s->kit, s->opt->root, s->opt->build, s->opt->lab, err, sizeof err) < 0 ||
	    core_open(&s->core, &s->kit, "virtlab-grade", err, sizeof err) < 0 ||
	    core_scenarios(&s->core, s->opt->public_only, err, sizeof err) < 0 ||
	    (s->opt->scenarios && core_select(&s->core, s->opt->scenarios, err, sizeof err) < 0) ||
	    core_backend(&s->core, s->opt->backend, err, sizeof err) < 0)
		return setup_error("%s", err);
	if (s->folder_fd >= 0)
		locate_in_folder(s);
	s->core.seed = pick_seed(s);
	if (core_assemble(&s->core, err, sizeof err) < 0)
		return setup_error("%s", err);   /* an assembler error: the kit is broken */
	core_expect_init(&s->core, s->expect_dir);
	return 0;
}

/* --write-expect: the expectations this run used, for a student tarball. */
static int write_expectations(struct single *s)
{
	const char *dir = s->write_expect;
	const struct grading *g = &s->g;
	if (mkdir_p(dir, 0755) < 0)
		return setup_error("cannot create %s: %s", dir, strerror(errno));
	int missing = 0;
	for (int i = 0; i < g->n; i++) {
		if (!g->res[i].exp.ok) {
			/* Write the others: one missing scenario shouldn't cost them all. */
			fprintf(stderr, "grade: --write-expect: no expectation for %s\n", g->res[i].sc->name);
			missing++;
			continue;
		}
		if (expect_write(dir, g->res[i].sc->name, &g->res[i].exp, 0644) < 0)
			return setup_error("cannot write into %s: %s", dir, strerror(errno));
	}
	char seed[32];
	int n = snprintf(seed, sizeof seed, "%lu\n", g->seed);
	char *p = path_join(dir, "SEED");
	int rc = write_atomic(p, seed, (size_t)n, 0644);
	free(p);
	if (rc < 0)
		return setup_error("cannot write %s/SEED: %s", dir, strerror(errno));
	return missing ? EXIT_SETUP : 0;
}

/* The student-safe report's path: --student-report, else under grade
 * --batch <out>/student-reports/<student>.txt for the row <out>/<student>.row
 * (a folder of its own: a TA forwards each file as it is, and the .txt
 * files of <out> stay the TA's reports); NULL for none. malloc'd. */
static char *student_report_path(const struct single *s)
{
	if (s->opt->student_report)
		return caller_path(s->opt->student_report);
	const char *row = s->opt->row;
	if (!row || !ends_with(row, ".row"))
		return NULL;
	const char *slash = strrchr(row, '/');
	size_t dirlen = slash ? (size_t)(slash - row) : 0;
	const char *name = slash ? slash + 1 : row;
	char *dir = xasprintf("%.*s%s" STUDENT_REPORTS, (int)dirlen, row, slash ? "/" : "");
	char *path = xasprintf("%s/%.*s.txt", dir, (int)(strlen(name) - 4), name);
	mkdir_p(dir, 0755);   /* children race to make it; a failure shows in the write */
	free(dir);
	return path;
}

static int write_student_report(const struct single *s)
{
	char *path = student_report_path(s);
	if (!path)
		return 0;
	struct buf b = {0};
	report_text_for(&b, &s->g, FOR_STUDENT);
	int rc = write_atomic(path, b.p, b.len, 0644);
	if (rc < 0)
		rc = setup_error("cannot write the student report %s: %s", path, strerror(errno));
	buf_free(&b);
	free(path);
	return rc;
}

/* Where the TA's report goes when stdout is the student's (Autolab shows
 * students all of stdout): beside the results file, else ./ta-report.txt.
 * malloc'd. */
static char *ta_report_path(const struct single *s)
{
	if (!s->json)
		return caller_path("ta-report.txt");
	size_t n = strlen(s->json);
	if (ends_with(s->json, ".json"))
		n -= 5;
	return xasprintf("%.*s.ta.txt", (int)n, s->json);
}

/* Autolab's stdout is the student-safe report, the TA's goes to a file
 * (never under grade --batch: its stdout is the TA's <student>.txt). */
static int write_ta_report(const struct single *s)
{
	char *path = ta_report_path(s);
	struct buf b = {0};
	report_text(&b, &s->g);
	int rc = write_atomic(path, b.p, b.len, 0600);
	if (rc < 0)
		rc = setup_error("cannot write the TA report %s: %s", path, strerror(errno));
	buf_free(&b);
	free(path);
	return rc;
}

/* The reports: text on stdout, then the files asked for. */
static int finish(struct single *s)
{
	const struct grading *g = &s->g;
	int for_students = results_on_stdout(s->opt->format) && !s->opt->row;
	struct buf b = {0};
	report_text_for(&b, g, for_students ? FOR_STUDENT : FOR_TA);
	results_trailer(&b, s->opt->format, g);   /* autolab: its JSON is stdout's last line */
	fputs(buf_str(&b), stdout);
	fflush(stdout);
	buf_free(&b);
	int rc = 0;
	char err[512];
	if (for_students && write_ta_report(s) != 0)
		rc = EXIT_SETUP;
	if (s->json && results_write(s->json, s->opt->format, g, err, sizeof err) < 0)
		rc = setup_error("cannot write the results file: %s", err);
	if (write_student_report(s) != 0)
		rc = EXIT_SETUP;
	if (s->write_expect && g->build.ok && !g->rejected && write_expectations(s) != 0)
		rc = EXIT_SETUP;
	if (g->grader_errors || g->build.sandbox_failed)
		rc = EXIT_SETUP;
	/* Under grade --batch: this student's row, the last thing written. */
	if (s->opt->row && row_write(s->opt->row, s->opt->row_key, g, rc) < 0)
		fprintf(stderr, "grade: cannot write %s: %s\n", s->opt->row, strerror(errno));
	return rc;
}

static void cleanup(struct single *s)
{
	core_grading_free(&s->g);
	intake_free(&s->sub);
	if (s->folder_fd >= 0)
		close(s->folder_fd);
	free(s->located);
	core_close(&s->core);
	kit_free(&s->kit);
}

int single_main(const struct cli *opt)
{
	struct single s;
	memset(&s, 0, sizeof s);
	s.opt = opt;
	s.folder_fd = -1;
	/* Students read the report: their language (lang.h), English by default. */
	lang_set(lang_select(opt->lang, getenv("LC_ALL"), getenv("LC_MESSAGES"), getenv("LANG")));
	double t0 = now_s();
	int rc = setup(&s);
	if (rc == 0) {
		s.g.submission = s.located ? s.located : opt->submission;
		s.g.layer = core_layer();   /* a weaker layer warns itself, once */
		s.g.public_only = opt->public_only;
		if (!s.g.rejected)
			core_build_bytes(&s.core, "student", s.sub.data, s.sub.len, &s.g.build);
		core_grade(&s.core, &s.g);
		s.g.elapsed_s = now_s() - t0;
		rc = finish(&s);
	}
	cleanup(&s);
	return rc;
}
