/* cli.c — one parser for every mode's options (cli.h). */
#include "cli.h"
#include "kit.h"
#include "lang.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const usage_text[] = {
	[MODE_GRADE] =
	"usage: grade [--root DIR] [--build DIR] [--lab NAME] [--backend auto|kvm|emu] [--json FILE]\n"
	"             [--format gradescope|prairielearn|autolab] [--seed N] [--public-only]\n"
	"             [--expect-dir DIR] [--write-expect DIR] [--scenario NAME[,NAME...]] SUBMISSION.c\n"
	"             [--lang en|zh] [--student-report FILE]\n"
	"       grade --batch DIR ...   (grade --batch --help)\n"
	"       grade --check-lab ...   (grade --check-lab --help)\n"
	"       grade --lab-info [--lab NAME]\n"
	"exit status: 0 graded (any score); 2 usage or setup error, or some scenario could\n"
	"not be graded for a reason that is not the student's (report marks it ERR)\n",
	[MODE_BATCH] =
	"usage: grade --batch DIR [--csv FILE] [--jobs N] [--out DIR] [--deadline SECONDS]\n"
	"             [--root DIR] [--build DIR] [--lab NAME] [--backend auto|kvm|emu]\n"
	"             [--format gradescope|prairielearn|autolab] [--seed N] [--public-only]\n"
	"             [--expect-dir DIR] [--student NAME[,NAME...]]... [--force]\n"
	"DIR holds one submission per student: a folder with the lab's source file\n"
	"(student = folder name) or a file STUDENT.c. Writes the CSV gradebook (default\n"
	"grades.csv) and per-student results in --out (default: the CSV's name without\n"
	".csv, plus -results). Re-running with the same --out resumes: a student is\n"
	"regraded when their submission's content, the options or the lab changed.\n"
	"--student: regrade exactly these students (their folder's or file's name), keep\n"
	"the others' results; --force: regrade everyone.\n",
	[MODE_CHECKLAB] =
	"usage: grade --check-lab [--root DIR] [--build DIR] [--lab NAME] [--backend all|auto|kvm|emu]\n"
	"                         [--seed N] [--jobs N] [--write-mutants DIR] [--mutate]\n"
	"Builds the reference, the skeleton and every mutant of labs/NAME/mutants/, runs\n"
	"every scenario on each and prints the kill matrix. --backend all (default): every\n"
	"usable backend. --write-mutants: each mutant as compiled, DIR/<mutant>.c.\n"
	"--mutate: mutants generated from the reference's student code instead, survivors\n"
	"listed (labs/NAME/equivalent-mutants records those that can't be told apart).\n"
	"Exit status: 0 the suite holds, 1 it does not (one `error:` line\n"
	"per problem), 2 usage or setup error.\n",
	[MODE_LAB_INFO] =
	"usage: grade --lab-info [--root DIR] [--build DIR] [--lab NAME]\n"
	"Prints what the Makefile fragments and scripts need of the lab, `key=value` lines\n"
	"(HACKING.md, \"grade --lab-info\").\n",
};

/* The mode: the first of --batch, --check-lab, --lab-info before any "--". */
static enum cli_mode mode_of(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--batch") || !strncmp(argv[i], "--batch=", 8))
			return MODE_BATCH;
	}
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--check-lab"))
			return MODE_CHECKLAB;
		if (!strcmp(argv[i], "--lab-info"))
			return MODE_LAB_INFO;
	}
	return MODE_GRADE;
}

enum { O_ROOT = 'r', O_BUILD = 'U', O_LAB = 'l', O_BACKEND = 'b', O_SEED = 's', O_HELP = 'h',
       O_FORMAT = 'f', O_PUBLIC = 'p', O_EXPECT = 'e', O_JSON = 'j', O_WRITE_EXPECT = 'w',
       O_SUBFD = 'F', O_BATCH = 'B', O_CSV = 'c', O_JOBS = 'J', O_OUT = 'o', O_DEADLINE = 'd',
       O_CHECKLAB = 'C', O_MUTANTS = 'M', O_LAB_INFO = 'I', O_ROW = 'R', O_ROW_KEY = 'K',
       O_SCENARIO = 'S', O_STUDENT = 'T', O_FORCE = 'X' };

/* Long-only options, numbered apart from the letters above. */
enum { O_LANG = 1001, O_STUDENT_REPORT, O_MUTATE };

#define KIT_OPTIONS \
	{ "root", required_argument, 0, O_ROOT }, { "build", required_argument, 0, O_BUILD }, \
	{ "lab", required_argument, 0, O_LAB }, { "help", no_argument, 0, O_HELP }
#define RUN_OPTIONS \
	{ "backend", required_argument, 0, O_BACKEND }, { "seed", required_argument, 0, O_SEED }
#define GRADING_OPTIONS \
	{ "format", required_argument, 0, O_FORMAT }, { "public-only", no_argument, 0, O_PUBLIC }, \
	{ "expect-dir", required_argument, 0, O_EXPECT }, { "json", required_argument, 0, O_JSON }, \
	{ "write-expect", required_argument, 0, O_WRITE_EXPECT }, \
	{ "scenario", required_argument, 0, O_SCENARIO }

static const struct option grade_opts[] = {
	KIT_OPTIONS, RUN_OPTIONS, GRADING_OPTIONS,
	/* grade --batch's children: the batch opened the submission (intake.h)
	 * and hands over the fd; SUBMISSION is then only its name. */
	{ "submission-fd", required_argument, 0, O_SUBFD },
	/* ... and the row it reads (report/row.h) */
	{ "row", required_argument, 0, O_ROW }, { "row-key", required_argument, 0, O_ROW_KEY },
	/* feedback: the students' language and their own copy of the report */
	{ "lang", required_argument, 0, O_LANG }, { "student-report", required_argument, 0, O_STUDENT_REPORT },
	/* batch-only, listed so that getopt_long doesn't take --student for an
	 * abbreviation of --student-report: the handler refuses it here */
	{ "student", required_argument, 0, O_STUDENT },
	{ 0, 0, 0, 0 },
};
static const struct option batch_opts[] = {
	KIT_OPTIONS, RUN_OPTIONS, GRADING_OPTIONS,
	{ "batch", required_argument, 0, O_BATCH }, { "csv", required_argument, 0, O_CSV },
	{ "jobs", required_argument, 0, O_JOBS }, { "out", required_argument, 0, O_OUT },
	{ "deadline", required_argument, 0, O_DEADLINE }, { "student", required_argument, 0, O_STUDENT },
	{ "force", no_argument, 0, O_FORCE }, { 0, 0, 0, 0 },
};
static const struct option checklab_opts[] = {
	KIT_OPTIONS, RUN_OPTIONS,
	{ "check-lab", no_argument, 0, O_CHECKLAB }, { "jobs", required_argument, 0, O_JOBS },
	{ "write-mutants", required_argument, 0, O_MUTANTS }, { "mutate", no_argument, 0, O_MUTATE },
	{ 0, 0, 0, 0 },
};
static const struct option labinfo_opts[] = {
	KIT_OPTIONS, { "lab-info", no_argument, 0, O_LAB_INFO }, { 0, 0, 0, 0 },
};
static const struct option *const mode_opts[] = {
	[MODE_GRADE] = grade_opts, [MODE_BATCH] = batch_opts,
	[MODE_CHECKLAB] = checklab_opts, [MODE_LAB_INFO] = labinfo_opts,
};

#define fail(o, ...) setup_error_as((o)->who, __VA_ARGS__)

static int parse_jobs(struct cli *o, const char *arg)
{
	unsigned long max = o->mode == MODE_BATCH ? CLI_BATCH_MAX_JOBS : CLI_CHECKLAB_MAX_JOBS, v;
	if (parse_ulong(arg, max, &v) < 0 || v == 0)
		return fail(o, "--jobs must be an integer in 1..%lu, not '%s'", max, arg);
	o->jobs = (int)v;
	return 0;
}

static int parse_deadline(struct cli *o, const char *arg)
{
	char *end;
	errno = 0;
	o->deadline = strtod(arg, &end);
	if (errno || end == arg || *end || !(o->deadline > 0) || o->deadline > 86400)
		return fail(o, "--deadline must be a number of seconds in (0, 86400], not '%s'", arg);
	return 0;
}

static int parse_backend(struct cli *o, const char *arg)
{
	o->backend_word = arg;
	if (o->mode == MODE_CHECKLAB) {
		o->all_backends = !strcmp(arg, "all");
		if (!o->all_backends && backend_parse(arg, &o->backend) < 0)
			return fail(o, "--backend must be all, auto, kvm or emu, not '%s'", arg);
		return 0;
	}
	if (backend_parse(arg, &o->backend) < 0)
		return fail(o, "--backend must be auto, kvm or emu, not '%s'", arg);
	return 0;
}

/* One option; 0, an exit status, or -2 for an option this mode lacks. */
static int take(struct cli *o, int c, const char *arg)
{
	unsigned long n;
	switch (c) {
	case O_ROOT: o->root = arg; return 0;
	case O_BUILD: o->build = arg; return 0;
	case O_LAB: o->lab = arg; return 0;
	case O_FORMAT: o->format = arg; return 0;
	case O_PUBLIC: o->public_only = 1; return 0;
	case O_EXPECT: o->expect_dir = arg; return 0;
	case O_BATCH: o->batch_dir = arg; return 0;
	case O_CSV: o->csv = arg; return 0;
	case O_OUT: o->out = arg; return 0;
	case O_MUTANTS: o->write_mutants = arg; return 0;
	case O_MUTATE: o->mutate = 1; return 0;
	case O_ROW: o->row = arg; return 0;
	case O_ROW_KEY: o->row_key = arg; return 0;
	case O_CHECKLAB: case O_LAB_INFO: return 0;
	case O_STUDENT_REPORT: o->student_report = arg; return 0;
	case O_LANG: {
		enum lang l;
		if (lang_parse(arg, &l) < 0)
			return fail(o, "--lang must be en or zh, not '%s'", arg);
		o->lang = arg;
		return 0;
	}
	case O_HELP: return CLI_HELP;
	case O_BACKEND: return parse_backend(o, arg);
	case O_JOBS: return parse_jobs(o, arg);
	case O_DEADLINE: return parse_deadline(o, arg);
	case O_JSON: case O_WRITE_EXPECT:
		if (o->mode == MODE_BATCH)
			return fail(o, "%s is per student in batch mode: every student's results file goes to --out DIR",
				    c == O_JSON ? "--json" : "--write-expect");
		*(c == O_JSON ? &o->json : &o->write_expect) = arg;
		return 0;
	case O_SCENARIO:
		/* A batch's rows are whole grades: a partial one must never be
		 * resumed, or written to the gradebook, as a full one. */
		if (o->mode == MODE_BATCH)
			return fail(o, "--scenario grades part of one submission; a batch grades every scenario "
				    "(grade --scenario LIST on one student's file instead)");
		if (!*arg)
			return fail(o, "--scenario needs scenario names (NAME[,NAME...])");
		o->scenarios = arg;
		return 0;
	case O_STUDENT:
		if (o->mode != MODE_BATCH)
			return fail(o, "--student picks students of a class: it goes with --batch DIR");
		if (!*arg)
			return fail(o, "--student needs a student's name");
		o->students = xrealloc(o->students, (size_t)(o->nstudents + 1) * sizeof *o->students);
		o->students[o->nstudents++] = arg;
		return 0;
	case O_FORCE: o->force = 1; return 0;
	case O_SEED:
		if (parse_ulong(arg, SEED_MAX, &o->seed) < 0)
			return fail(o, "--seed must be an integer in 0..%lu, not '%s'", SEED_MAX, arg);
		o->seed_given = 1;
		return 0;
	case O_SUBFD:
		if (parse_ulong(arg, INT_MAX, &n) < 0)
			return fail(o, "--submission-fd must be a file descriptor, not '%s'", arg);
		o->submission_fd = (int)n;
		return 0;
	}
	return -2;
}

/* What is left after the options, per mode. */
static int positional(struct cli *o, int argc, char **argv)
{
	switch (o->mode) {
	case MODE_GRADE:
		if (optind != argc - 1) {
			fputs(optind == argc ? "grade: no SUBMISSION given\n" : "grade: more than one SUBMISSION given\n",
			      stderr);
			fputs(usage_text[o->mode], stderr);
			return EXIT_SETUP;
		}
		o->submission = argv[optind];
		if (o->row && o->scenarios)
			return fail(o, "--scenario makes a partial grade: it never writes a batch row (--row)");
		return 0;
	case MODE_BATCH:
		if (optind != argc)
			return fail(o, "--batch takes no SUBMISSION argument ('%s'): the class is DIR", argv[optind]);
		return 0;
	case MODE_CHECKLAB:
		if (optind < argc)
			return fail(o, "--check-lab checks the lab and takes no SUBMISSION ('%s')", argv[optind]);
		return 0;
	case MODE_LAB_INFO:
		if (optind < argc)
			return fail(o, "--lab-info takes no argument ('%s')", argv[optind]);
		return 0;
	}
	return 0;
}

static void defaults(struct cli *o, enum cli_mode mode)
{
	memset(o, 0, sizeof *o);
	o->mode = mode;
	o->who = mode == MODE_CHECKLAB ? "grade --check-lab" : "grade";
	o->lab = KIT_DEFAULT_LAB;
	o->format = "gradescope";
	o->backend_word = "auto";
	o->submission_fd = -1;
	o->csv = "grades.csv";
	if (mode == MODE_CHECKLAB) {
		o->all_backends = 1;
		o->seed = CLI_CHECKLAB_SEED;
	}
}

int cli_parse(int argc, char **argv, struct cli *o)
{
	defaults(o, mode_of(argc, argv));
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "h", mode_opts[o->mode], NULL)) != -1) {
		int rc = take(o, c, optarg);
		if (rc == CLI_HELP) {
			fputs(usage_text[o->mode], stdout);
			return CLI_HELP;
		}
		if (rc == -2 || c == '?' || c == ':') {
			fprintf(stderr, "%s: unknown or incomplete option '%s'\n", o->who, argv[optind - 1]);
			fputs(usage_text[o->mode], stderr);
			return EXIT_SETUP;
		}
		if (rc)
			return rc;
	}
	int rc = positional(o, argc, argv);
	if (rc)
		return rc;
	if (!kit_lab_name_ok(o->lab))
		return fail(o, "--lab must be a lab's name, not '%s'", o->lab);
	return 0;
}
