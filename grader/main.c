/*
 * main.c — `grade`: CLI and orchestration (HACKING.md, "The grade program").
 *
 *   build the submission → assemble the scenarios → establish expectations
 *   (pins, --expect-dir, or the reference solution, cached) → run each
 *   scenario in the sandbox → verdicts → text report (+ results file).
 *
 * Exit status: 0 when grading completed (whatever the score); 2 for a usage
 * or setup error (bad option, missing submission, broken kit) and also when
 * some scenario could not be graded for a reason that is not the student's
 * (sandbox failure, no usable expectation): the report and results file are
 * still written, with those scenarios marked ERR, so a class run can find
 * and re-grade them rather than record a wrong 0.
 */
#include "grade.h"
#include "batch.h"
#include "checklab.h"
#include "cli.h"
#include "expect.h"
#include "lab.h"
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

struct options {
	const char *root, *lab, *json, *format, *expect_dir, *write_expect, *submission;
	enum backend backend;
	int public_only, seed_given;
	unsigned long seed;
};

/* Everything one grading needs beyond struct grading. */
struct ctx {
	struct options opt;
	struct lab lab;
	struct scenario *sc;
	int nsc;
	char **images;          /* per scenario: the assembled guest */
	char *cachedir;         /* build/cache/<lab> (or the workdir when unwritable) */
	char *workdir;          /* private temp dir, removed at the end */
	char *emu_lib;          /* libkvmemu.so, or NULL when absent */
	enum backend dflt;      /* backend for `backend: any` scenarios */
	struct expect_src ex;
	struct grading g;
};

static void usage(FILE *f)
{
	fputs("usage: grade [--root DIR] [--lab NAME] [--backend auto|kvm|emu] [--json FILE]\n"
	      "             [--format gradescope|prairielearn|autolab] [--seed N] [--public-only]\n"
	      "             [--expect-dir DIR] [--write-expect DIR] SUBMISSION.c\n"
	      "exit status: 0 graded (any score); 2 usage or setup error, or some scenario could\n"
	      "not be graded for a reason that is not the student's (report marks it ERR)\n", f);
}

#define setup_error(...) setup_error_as("grade", __VA_ARGS__)

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		CLI_KIT_OPTIONS, CLI_GRADING_OPTIONS,
		{ "json", required_argument, 0, 'j' }, { "write-expect", required_argument, 0, 'w' },
		CLI_END,
	};
	memset(o, 0, sizeof *o);
	o->lab = "cpu_lab";
	o->format = "gradescope";
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->root = optarg; break;
		case 'l': o->lab = optarg; break;
		case 'j': o->json = optarg; break;
		case 'f': o->format = optarg; break;
		case 'p': o->public_only = 1; break;
		case 'e': o->expect_dir = optarg; break;
		case 'w': o->write_expect = optarg; break;
		case 'h': usage(stdout); exit(0);
		case 'b':
			if (backend_parse(optarg, &o->backend) < 0)
				return setup_error("--backend must be auto, kvm or emu, not '%s'%s", optarg, "");
			break;
		case 's':
			if (parse_ulong(optarg, SEED_MAX, &o->seed) < 0)
				return setup_error("--seed must be an integer in 0..2147483647, not '%s'%s", optarg, "");
			o->seed_given = 1;
			break;
		default:
			fprintf(stderr, "grade: unknown or incomplete option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return EXIT_SETUP;
		}
	}
	if (!results_valid_format(o->format))
		return setup_error("--format must be gradescope, prairielearn or autolab, not '%s'%s", o->format, "");
	if (optind != argc - 1) {
		fputs(optind == argc ? "grade: no SUBMISSION given\n" : "grade: more than one SUBMISSION given\n", stderr);
		usage(stderr);
		return EXIT_SETUP;
	}
	if (!lab_name_ok(o->lab))
		return setup_error("--lab must be a lab's name, not '%s'%s", o->lab, "");
	o->submission = argv[optind];
	return 0;
}

static int check_submission(const char *path, char **abs)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return setup_error("cannot read submission %s: %s", path, strerror(errno));
	int isreg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	close(fd);
	if (!isreg)
		return setup_error("submission %s is not a regular file%s", path, "");
	*abs = realpath(path, NULL);
	return *abs ? 0 : setup_error("cannot resolve %s: %s", path, strerror(errno));
}


/* --- setup: lab, scenarios, backend, seed, directories ------------------ */

static int load_lab(struct ctx *c)
{
	char err[512];
	if (lab_load_named(NULL, c->opt.lab, &c->lab, err, sizeof err) < 0)
		return setup_error("%s%s", err, "");
	return 0;
}

/* Discovers the scenarios; --public-only drops the hidden ones entirely. */
static int load_scenarios(struct ctx *c)
{
	char err[600];
	char *dir = xasprintf("guests/%s", c->opt.lab);
	c->nsc = scenario_load(dir, c->opt.public_only, &c->sc, err, sizeof err);
	free(dir);
	if (c->nsc < 0)
		return setup_error("%s%s", err, "");
	if (c->nsc == 0)
		return setup_error("no scenarios in guests/%s/%s", c->opt.lab, c->opt.public_only ? " (public ones)" : "");
	return 0;
}

/* Resolves --backend, and checks that every scenario can run where it must. */
static int pick_backend(struct ctx *c)
{
	char why[256] = "";
	int kvm_ok = kvm_usable(why, sizeof why);
	c->emu_lib = find_emu_lib(NULL);
	static char desc[400];
	switch (c->opt.backend) {
	case BACKEND_KVM:
		if (!kvm_ok)
			return setup_error("--backend kvm, but %s%s", why, "");
		c->dflt = BACKEND_KVM;
		snprintf(desc, sizeof desc, "kvm");
		break;
	case BACKEND_EMU:
		c->dflt = BACKEND_EMU;
		snprintf(desc, sizeof desc, "emu");
		break;
	case BACKEND_AUTO:
		c->dflt = kvm_ok ? BACKEND_KVM : BACKEND_EMU;
		if (kvm_ok)
			snprintf(desc, sizeof desc, "auto: kvm");
		else
			snprintf(desc, sizeof desc, "auto: emu (%s)", why);
		break;
	}
	/* Without kvmemu nothing could run; emulated-only scenarios alone are
	 * marked ERR at run time instead, so the rest still gets graded. */
	if (c->dflt == BACKEND_EMU && !c->emu_lib)
		return setup_error("the emulated backend is needed but %s is missing%s",
				   getenv("KVMEMU_LIB") ? getenv("KVMEMU_LIB") : "build/libkvmemu.so",
				   " (run `make build/libkvmemu.so`, or use --backend kvm on a machine with /dev/kvm)");
	c->g.backend_desc = desc;
	return 0;
}

/* The seed: --seed, else the expect-dir's SEED (its outputs were made with
 * it), else fresh for this grading run. */
static void pick_seed(struct ctx *c)
{
	c->g.seed = c->opt.seed;
	if (c->opt.seed_given)
		return;
	if (c->opt.expect_dir) {
		char *p = path_join(c->opt.expect_dir, "SEED");
		char *t = read_file(p, NULL, 64);
		free(p);
		unsigned long s;
		if (t) {
			t[strcspn(t, " \t\n")] = '\0';
			if (parse_ulong(t, SEED_MAX, &s) == 0) {
				c->g.seed = s;
				free(t);
				return;
			}
		}
		free(t);
	}
	c->g.seed = seed_fresh();
}

static int make_dirs(struct ctx *c)
{
	if (make_work_dirs("virtlab-grade", c->opt.lab, &c->workdir, &c->cachedir) < 0)
		return setup_error("cannot create a temporary directory: %s%s", strerror(errno), "");
	return 0;
}

/* Assembles every scenario; an assembler error means the kit is broken. */
static int assemble_all(struct ctx *c)
{
	char err[600];
	c->images = xmalloc((size_t)c->nsc * sizeof *c->images);
	memset(c->images, 0, (size_t)c->nsc * sizeof *c->images);
	for (int i = 0; i < c->nsc; i++) {
		c->images[i] = scenario_assemble(&c->sc[i], c->g.seed, c->cachedir, err, sizeof err);
		if (!c->images[i])
			return setup_error("%s%s", err, "");
		c->g.has_random |= c->sc[i].random;
	}
	return 0;
}

/* --- grading ------------------------------------------------------------ */

static void build_student(struct ctx *c, const char *abs_src)
{
	char *outdir = path_join(c->workdir, "student");
	mkdir_p(outdir, 0777);
	chmod(outdir, 0777);   /* the box may write as an unprivileged uid */
	build_submission(&c->lab, abs_src, outdir, &c->g.build);
	free(outdir);
}

static void grade_one(struct ctx *c, int i)
{
	struct sc_result *r = &c->g.res[i];
	struct run_spec spec = run_spec_for(&c->lab, &c->sc[i], c->images[i], c->dflt, c->emu_lib);
	r->sc = &c->sc[i];
	r->backend = spec.backend;
	if (!c->g.build.ok) {
		judge_not_run(&r->v, c->g.build.sandbox_failed ? "sandbox failure while compiling"
							       : "did not compile", c->g.build.sandbox_failed);
		return;
	}
	if (spec.backend == BACKEND_EMU && !c->emu_lib) {
		judge_not_run(&r->v, "emulated-only scenario, but libkvmemu.so is missing "
			      "(run `make build/libkvmemu.so`)", 1);
		return;
	}
	expect_get(&c->ex, r->sc, &spec, &r->exp);
	if (!r->exp.ok) {
		judge_not_run(&r->v, r->exp.why, 1);
		return;
	}
	spec.binary = c->g.build.binary;
	run_vmm(&spec, &r->run);
	r->ran = 1;
	judge(&r->exp, &r->run, &r->v);
	r->score = r->v.pass ? r->sc->points : 0;
}

static void grade_all(struct ctx *c)
{
	c->g.n = c->nsc;
	c->g.res = xmalloc((size_t)c->nsc * sizeof *c->g.res);
	memset(c->g.res, 0, (size_t)c->nsc * sizeof *c->g.res);
	for (int i = 0; i < c->nsc; i++) {
		grade_one(c, i);
		c->g.score += c->g.res[i].score;
		c->g.max += c->sc[i].points;
		c->g.grader_errors += c->g.res[i].v.grader_error;
	}
}

/* --write-expect: the expectations this run used, for a student tarball. */
static int write_expectations(struct ctx *c)
{
	const char *dir = c->opt.write_expect;
	if (mkdir_p(dir, 0755) < 0)
		return setup_error("cannot create %s: %s", dir, strerror(errno));
	int missing = 0;
	for (int i = 0; i < c->g.n; i++) {
		if (!c->g.res[i].exp.ok) {
			/* Write the others: one missing scenario shouldn't cost them all. */
			fprintf(stderr, "grade: --write-expect: no expectation for %s\n", c->sc[i].name);
			missing++;
			continue;
		}
		if (expect_write(dir, c->sc[i].name, &c->g.res[i].exp) < 0)
			return setup_error("cannot write into %s: %s", dir, strerror(errno));
	}
	char seed[32];
	int n = snprintf(seed, sizeof seed, "%lu\n", c->g.seed);
	char *p = path_join(dir, "SEED");
	int rc = write_atomic(p, seed, (size_t)n, 0644);
	free(p);
	if (rc < 0)
		return setup_error("cannot write %s/SEED: %s", dir, strerror(errno));
	return missing ? EXIT_SETUP : 0;
}

static int finish(struct ctx *c)
{
	struct buf b = {0};
	report_text(&b, &c->g);
	results_trailer(&b, c->opt.format, &c->g);   /* autolab: its JSON is stdout's last line */
	fputs(buf_str(&b), stdout);
	fflush(stdout);
	buf_free(&b);
	int rc = 0;
	char err[512];
	if (c->opt.json && results_write(c->opt.json, c->opt.format, &c->g, err, sizeof err) < 0)
		rc = setup_error("cannot write the results file: %s%s", err, "");
	if (c->opt.write_expect && c->g.build.ok && write_expectations(c) != 0)
		rc = EXIT_SETUP;
	if (c->g.grader_errors || c->g.build.sandbox_failed)
		rc = EXIT_SETUP;
	batch_child_row(&c->g, rc);   /* under grade --batch: this student's CSV row */
	return rc;
}

static void cleanup(struct ctx *c)
{
	for (int i = 0; i < c->g.n; i++) {
		run_outcome_free(&c->g.res[i].run);
		expectation_free(&c->g.res[i].exp);
	}
	free(c->g.res);
	for (int i = 0; c->images && i < c->nsc; i++)
		free(c->images[i]);
	free(c->images);
	scenarios_free(c->sc, c->nsc);
	build_result_free(&c->g.build);
	expect_src_free(&c->ex);
	lab_free(&c->lab);
	remove_work_dirs(&c->workdir, &c->cachedir);
	free(c->emu_lib);
}

static int setup(struct ctx *c, char **abs_src)
{
	int rc;
	if ((rc = check_submission(c->opt.submission, abs_src)))
		return rc;
	/* Option strings live until exit. */
	c->opt.json = caller_path(c->opt.json);
	c->opt.expect_dir = caller_path(c->opt.expect_dir);
	c->opt.write_expect = caller_path(c->opt.write_expect);
	char *root = c->opt.root ? caller_path(c->opt.root) : default_kit_root();
	if (!root)
		root = xstrdup(".");
	if (chdir(root) < 0) {
		rc = setup_error("cannot enter the kit root %s: %s", root, strerror(errno));
		free(root);
		return rc;
	}
	free(root);
	if ((rc = load_lab(c)) || (rc = load_scenarios(c)) || (rc = pick_backend(c)) || (rc = make_dirs(c)))
		return rc;
	pick_seed(c);
	return assemble_all(c);
}

int main(int argc, char **argv)
{
	remember_start_dir();   /* before any mode enters the kit root */
	if (batch_wanted(argc, argv))
		return batch_main(argc, argv);
	if (checklab_requested(argc, argv))   /* grade --check-lab: checklab.c */
		return checklab_main(argc, argv);
	struct ctx c;
	memset(&c, 0, sizeof c);
	int rc = parse_args(argc, argv, &c.opt);
	if (rc)
		return rc;
	double t0 = now_s();
	char *abs_src = NULL;
	rc = setup(&c, &abs_src);
	if (rc == 0) {
		c.g.submission = c.opt.submission;
		c.g.lab = c.lab.name;
		c.g.layer = box_layer();   /* a weaker layer warns itself, once */
		c.g.public_only = c.opt.public_only;
		char *sol = xasprintf("solution/%s/%s", c.opt.lab, c.lab.source);
		struct expect_src ex = {
			.lab = &c.lab, .solution = access(sol, R_OK) == 0 ? sol : NULL,
			.expect_dir = c.opt.expect_dir, .cachedir = c.cachedir, .workdir = c.workdir,
		};
		c.ex = ex;
		build_student(&c, abs_src);
		grade_all(&c);
		c.g.elapsed_s = now_s() - t0;
		rc = finish(&c);
		free(sol);
	}
	free(abs_src);
	cleanup(&c);
	return rc;
}
