/*
 * checklab.c — `grade --check-lab`: is the lab's scenario suite sound?
 * (DESIGN.md, "make check-lab"; the contract is in checklab.h.)
 *
 *   scenarios: parse every header, assemble every guest (all errors at once)
 *   VMMs:      reference, skeleton, mutants spliced into the skeleton
 *   build:     in the sandbox with the lab's flags, in parallel, cached
 *   reference: run every scenario; check how it ends and the pins
 *   the rest:  run every scenario, judged as grading judges (parallel)
 *   report:    the kill matrix, warnings, errors, a one-line summary
 *
 * Columns are (scenario, backend): with --backend all (the default) a
 * scenario runs on every usable backend, since the same suite grades on real
 * KVM at a TA's desk and on kvmemu in Gradescope; emulated-only scenarios
 * run on emu only, as in grading.
 */
#include "checklab.h"
#include "build.h"
#include "cli.h"
#include "intake.h"
#include "lab.h"
#include "run.h"
#include "sandbox.h"
#include "scenario.h"
#include "splice.h"
#include "util.h"
#include "verdict.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_BAD_LAB 1
#define IMAGE_MAX (48 * 1024)   /* the guest image contract */
#define DEFAULT_SEED 1          /* fixed, so that check-lab is reproducible */
#define WHY_LEN 600
#define CAUSE_LEN 512   /* struct verdict's cause */
#define MAX_JOBS 64

enum vmm_kind { V_REF, V_SKEL, V_MUTANT };

/* One program under test. */
struct vmm {
	enum vmm_kind kind;
	char *name;        /* "reference", "skeleton", or the mutant's name */
	char *file;        /* what messages blame */
	char *desc;        /* a mutant's line 1, without the "// " */
	char *src;         /* what is compiled */
	int body_line;     /* mutants: the line of src holding the mutant's line 2 */
	int body_lines;
};

struct col {
	int sc;
	enum backend be;
};

/* Filled by the workers: MAP_SHARED memory. */
struct build_slot {
	int done, ok, sandbox_failed;
	char bin[PATH_MAX];
	char why[WHY_LEN];        /* the compiler's first error */
	char diag[4096];          /* the start of its output */
};

struct cell {
	int ran, pass, grader_error;
	char cause[CAUSE_LEN];
};

enum severity { SEV_WARN, SEV_ERROR };

/* A problem or a warning, one line; backends it was seen on (bitmask). */
struct note {
	enum severity sev;
	unsigned mask;
	char *text;
};

struct opts {
	const char *root, *lab;
	const char *write_mutants;   /* --write-mutants DIR: the spliced sources, to read */
	enum backend backend;
	int all_backends;
	unsigned long seed;
	int jobs;
};

struct cl {
	struct opts opt;
	struct lab lab;
	struct scenario *sc;
	char **text;              /* per scenario: the file's contents */
	char **image;             /* per scenario: the assembled guest */
	int nsc;
	struct vmm *v;            /* v[0] reference, v[1] skeleton, then mutants */
	int nv;
	enum backend be[2];
	int nbe;
	struct col *col;
	int ncol;
	char *emu_lib, *cachedir, *workdir;
	char *mutants_out;        /* --write-mutants, absolute */
	struct build_slot *build; /* shared, per vmm */
	struct cell *cell;        /* shared, nv × ncol */
	struct run_outcome *ref;  /* per column */
	struct expectation *exp;  /* per column: what grading would expect */
	struct note *note;
	int nnote;
	int grader_errors;
};

#define CELL(c, v, k) (&(c)->cell[(size_t)(v) * (size_t)(c)->ncol + (size_t)(k)])

/* ---- notes ------------------------------------------------------------- */

static unsigned be_bit(enum backend b)
{
	return 1u << b;
}

/* Records one line; the same text seen on another backend only widens its
 * mask, so a problem shows once however many backends it happens on. */
static void vnote(struct cl *c, enum severity sev, unsigned mask, const char *fmt, va_list ap)
{
	char line[1200];
	vsnprintf(line, sizeof line, fmt, ap);
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	/* nasm's lines come joined by "; ": no dangling separator. */
	for (size_t n = strlen(line); n && (line[n - 1] == ' ' || line[n - 1] == ';');)
		line[--n] = '\0';
	for (int i = 0; i < c->nnote; i++)
		if (c->note[i].sev == sev && !strcmp(c->note[i].text, line)) {
			c->note[i].mask |= mask;
			return;
		}
	c->note = xrealloc(c->note, (size_t)(c->nnote + 1) * sizeof *c->note);
	c->note[c->nnote++] = (struct note){ sev, mask, xstrdup(line) };
}

__attribute__((format(printf, 3, 4)))
static void error_on(struct cl *c, unsigned mask, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(c, SEV_ERROR, mask, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
static void warn_on(struct cl *c, unsigned mask, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(c, SEV_WARN, mask, fmt, ap);
	va_end(ap);
}

static int count_notes(const struct cl *c, enum severity sev)
{
	int n = 0;
	for (int i = 0; i < c->nnote; i++)
		n += c->note[i].sev == sev;
	return n;
}

/* " (on kvm)" when a note holds on some of the checked backends only. */
static void mask_suffix(const struct cl *c, unsigned mask, char *out, size_t len)
{
	unsigned all = 0;
	for (int i = 0; i < c->nbe; i++)
		all |= be_bit(c->be[i]);
	out[0] = '\0';
	if (!mask || c->nbe < 2 || (mask & all) == all)
		return;
	snprintf(out, len, " (on %s)", (mask & be_bit(BACKEND_KVM)) ? "kvm" : "emu");
}

static void print_notes(const struct cl *c, enum severity sev)
{
	for (int i = 0; i < c->nnote; i++) {
		if (c->note[i].sev != sev)
			continue;
		char sfx[32];
		mask_suffix(c, c->note[i].mask, sfx, sizeof sfx);
		printf("%s: %s%s\n", sev == SEV_ERROR ? "error" : "warning", c->note[i].text, sfx);
	}
}

/* ---- options and setup ------------------------------------------------- */

int checklab_requested(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--check-lab"))
			return 1;
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: grade --check-lab [--root DIR] [--lab NAME] [--backend all|auto|kvm|emu]\n"
	      "                         [--seed N] [--jobs N] [--write-mutants DIR]\n"
	      "Builds the reference, the skeleton and every mutant of labs/NAME/mutants/, runs\n"
	      "every scenario on each and prints the kill matrix. --backend all (default): every\n"
	      "usable backend. --write-mutants: each mutant as compiled, DIR/<mutant>.c.\n"
	      "Exit status: 0 the suite holds, 1 it does not (one `error:` line\n"
	      "per problem), 2 usage or setup error.\n", f);
}

#define setup_error(...) setup_error_as("grade --check-lab", __VA_ARGS__)

static int parse_backend_opt(const char *s, struct opts *o)
{
	o->all_backends = !strcmp(s, "all");
	return o->all_backends || backend_parse(s, &o->backend) == 0 ? 0 : -1;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		CLI_KIT_OPTIONS,
		{ "check-lab", no_argument, 0, 'c' }, { "jobs", required_argument, 0, 'j' },
		{ "write-mutants", required_argument, 0, 'w' },
		CLI_END,
	};
	*o = (struct opts){ .lab = "cpu_lab", .all_backends = 1, .seed = DEFAULT_SEED };
	unsigned long n;
	int ch;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': break;
		case 'r': o->root = optarg; break;
		case 'l': o->lab = optarg; break;
		case 'w': o->write_mutants = optarg; break;
		case 'h': usage(stdout); exit(0);
		case 'b':
			if (parse_backend_opt(optarg, o) < 0)
				return setup_error("--backend must be all, auto, kvm or emu, not '%s'", optarg);
			break;
		case 's':
			if (parse_ulong(optarg, SEED_MAX, &o->seed) < 0)
				return setup_error("--seed must be an integer in 0..2147483647, not '%s'", optarg);
			break;
		case 'j':
			if (parse_ulong(optarg, MAX_JOBS, &n) < 0 || n == 0)
				return setup_error("--jobs must be an integer in 1..%d, not '%s'", MAX_JOBS, optarg);
			o->jobs = (int)n;
			break;
		default:
			fprintf(stderr, "grade --check-lab: unknown or incomplete option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return EXIT_SETUP;
		}
	}
	if (optind < argc)
		return setup_error("--check-lab checks the lab and takes no SUBMISSION ('%s')", argv[optind]);
	if (!lab_name_ok(o->lab))
		return setup_error("--lab must be a lab's name, not '%s'", o->lab);
	return 0;
}

static int is_regular(const char *path)
{
	struct stat st;
	return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The kit root: --root, else the directory above the one holding grade. */
static int enter_root(const char *root)
{
	char *dir = root ? caller_path(root) : default_kit_root();
	if (!dir)
		return setup_error("cannot find the kit root: %s (use --root)", strerror(errno));
	int rc = chdir(dir) < 0 ? setup_error("cannot enter the kit root %s: %s", dir, strerror(errno)) : 0;
	free(dir);
	return rc;
}

static int make_dirs(struct cl *c)
{
	if (make_work_dirs("virtlab-checklab", c->opt.lab, &c->workdir, &c->cachedir) < 0)
		return setup_error("cannot create a temporary directory: %s", strerror(errno));
	return 0;
}

/* The backends to check: --backend all = every usable one. */
static int pick_backends(struct cl *c)
{
	char why[256] = "";
	int kvm_ok = kvm_usable(why, sizeof why);
	int emu_ok = c->emu_lib != NULL;
	enum backend want = c->opt.backend;
	if (c->opt.all_backends) {
		if (kvm_ok)
			c->be[c->nbe++] = BACKEND_KVM;
		if (emu_ok)
			c->be[c->nbe++] = BACKEND_EMU;
		if (!c->nbe)
			return setup_error("no backend to check on: %s, and libkvmemu.so is missing "
					   "(run `make build/libkvmemu.so`)", why);
		return 0;
	}
	if (want == BACKEND_AUTO)
		want = kvm_ok ? BACKEND_KVM : BACKEND_EMU;
	if (want == BACKEND_KVM && !kvm_ok)
		return setup_error("--backend kvm, but %s", why);
	c->be[c->nbe++] = want;
	return 0;
}

/* Emulated-only scenarios run on kvmemu whatever the backend. */
static int need_emu(struct cl *c)
{
	int need = 0;
	for (int i = 0; i < c->nbe; i++)
		need |= c->be[i] == BACKEND_EMU;
	for (int s = 0; s < c->nsc; s++)
		need |= c->sc[s].emu_only;
	if (need && !c->emu_lib)
		return setup_error("the emulated backend is needed but %s is missing (run `make "
				   "build/libkvmemu.so`, or set KVMEMU_LIB)",
				   getenv("KVMEMU_LIB") && *getenv("KVMEMU_LIB") ? getenv("KVMEMU_LIB")
										 : "build/libkvmemu.so");
	return 0;
}

static int setup(struct cl *c)
{
	int rc;
	char err[600];
	c->mutants_out = caller_path(c->opt.write_mutants);
	if ((rc = enter_root(c->opt.root)))
		return rc;
	c->emu_lib = find_emu_lib(NULL);
	if (lab_load_named(NULL, c->opt.lab, &c->lab, err, sizeof err) < 0) {
		/* An author's mistake, like a bad scenario header. */
		printf("error: %s\ncheck-lab %s: FAILED: its lab.conf is invalid\n", err, c->opt.lab);
		return EXIT_BAD_LAB;
	}
	box_layer();   /* picked once, here, so that the workers inherit it */
	if ((rc = pick_backends(c)) || (rc = make_dirs(c)))
		return rc;
	return 0;
}

/* ---- scenarios ----------------------------------------------------------- */


/* Line of `; key:` in the header of text, or 1 (the header's top). */
static int header_line(const char *text, const char *key)
{
	size_t klen = strlen(key);
	int line = 1;
	for (const char *p = text; *p == ';'; line++) {
		const char *k = p + 1;
		while (*k == ' ' || *k == '\t')
			k++;
		if (!strncmp(k, key, klen) && k[klen] == ':')
			return line;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return 1;
}


static void *zalloc(size_t n)
{
	void *p = xmalloc(n ? n : 1);
	memset(p, 0, n ? n : 1);
	return p;
}

/* Parses one scenario file and keeps it; a bad header is an error. */
static void load_scenario(struct cl *c, const char *dir, const char *fname)
{
	char err[600];
	struct scenario sc = {0};
	sc.path = path_join(dir, fname);
	sc.name = xstrdup(fname);
	sc.name[strlen(fname) - 4] = '\0';
	char *text = read_file(sc.path, NULL, 1 << 20);
	if (!text) {
		error_on(c, 0, "%s: %s", sc.path, strerror(errno));
	} else if (scenario_parse(sc.path, text, &sc, err, sizeof err) < 0) {
		error_on(c, 0, "%s", err);
	} else {
		c->sc = xrealloc(c->sc, (size_t)(c->nsc + 1) * sizeof *c->sc);
		c->text = xrealloc(c->text, (size_t)(c->nsc + 1) * sizeof *c->text);
		c->sc[c->nsc] = sc;
		c->text[c->nsc++] = text;
		return;
	}
	free(text);
	scenario_free(&sc);
}

static int plain_name(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
			return 0;
	return *s != '\0';
}

/* Names, titles and leftovers: what the parser alone can't see. */
static void check_scenario_set(struct cl *c)
{
	int total = 0;
	for (int i = 0; i < c->nsc; i++) {
		const struct scenario *a = &c->sc[i];
		total += a->points;
		if (!plain_name(a->name))
			warn_on(c, 0, "%s: scenario name '%s' is not [a-z0-9_]+ (it names report lines, "
				"JSON tests and files: keep it plain)", a->path, a->name);
		if (strstr(a->title, "TODO"))
			warn_on(c, 0, "%s:%d: the title still says TODO", a->path, header_line(c->text[i], "title"));
		if (a->hint && strstr(a->hint, "TODO"))
			warn_on(c, 0, "%s:%d: the hint still says TODO", a->path, header_line(c->text[i], "hint"));
		if (a->random && a->pin_out)
			error_on(c, 0, "%s:%d: expect-stdout pinned on a `random: yes` scenario: its output "
				 "changes with the seed", a->path, header_line(c->text[i], "expect-stdout"));
		for (int j = 0; j < i; j++) {
			const struct scenario *b = &c->sc[j];
			if (!strcasecmp(a->name, b->name))
				error_on(c, 0, "%s: scenario name '%s' differs from '%s' (%s) only in case: the two "
					 "collide on case-insensitive file systems and in zip files",
					 a->path, a->name, b->name, b->path);
			else if (!strcmp(a->title, b->title))
				warn_on(c, 0, "%s:%d: same title as %s (\"%s\"): reports would not tell them apart",
					a->path, header_line(c->text[i], "title"), b->path, a->title);
		}
	}
	if (c->nsc && !total)
		warn_on(c, 0, "guests/%s/: the scenarios are worth 0 points in all", c->opt.lab);
}

static void load_scenarios(struct cl *c)
{
	char *dir = xasprintf("guests/%s", c->opt.lab), **names;
	int n = list_suffix(dir, ".asm", &names);
	if (n < 0) {
		error_on(c, 0, "%s: %s", dir, strerror(errno));
	} else {
		for (int i = 0; i < n; i++)
			load_scenario(c, dir, names[i]);
		if (n == 0)
			error_on(c, 0, "%s: no scenarios (*.asm)", dir);
		free_names(names, n);
	}
	free(dir);
	check_scenario_set(c);
}

/* Assembles every scenario; nasm's messages name file:line. */
static void assemble_all(struct cl *c)
{
	char err[600];
	c->image = zalloc((size_t)c->nsc * sizeof *c->image);
	for (int s = 0; s < c->nsc; s++) {
		const struct scenario *sc = &c->sc[s];
		char *img = scenario_assemble(sc, c->opt.seed, c->cachedir, err, sizeof err);
		struct stat st;
		if (!img)
			error_on(c, 0, "%s", err);
		else if (stat(img, &st) < 0)
			error_on(c, 0, "%s: %s", img, strerror(errno));
		else if (st.st_size == 0)
			error_on(c, 0, "%s: assembles to an empty image (a guest needs at least a `hlt`)", sc->path);
		else if (st.st_size > IMAGE_MAX)
			error_on(c, 0, "%s: the image is %lld bytes; the guest image contract allows %d (48 KiB)",
				 sc->path, (long long)st.st_size, IMAGE_MAX);
		c->image[s] = img;
	}
}

/* ---- the programs under test ------------------------------------------ */

static void add_vmm(struct cl *c, enum vmm_kind kind, const char *name, const char *file,
		    const char *desc, char *src)
{
	c->v = xrealloc(c->v, (size_t)(c->nv + 1) * sizeof *c->v);
	c->v[c->nv++] = (struct vmm){ .kind = kind, .name = xstrdup(name), .file = xstrdup(file),
				      .desc = xstrdup(desc), .src = src };
}

static int line_at(const char *s, size_t off)
{
	int line = 1;
	for (size_t i = 0; i < off && s[i]; i++)
		line += s[i] == '\n';
	return line;
}

/* The reference must be the skeleton plus a body: mutants are the skeleton
 * plus a body, and they stand for "the reference with one mistake". */
static int check_shapes(struct cl *c, const char *skel, const char *sk, const char *sol, const char *so)
{
	size_t s0, s1, t0, t1;
	const char *why;
	if (splice_span(sk, &s0, &s1, &why) < 0) {
		error_on(c, 0, "%s: %s: handlers cannot be spliced into it", skel, why);
		return -1;
	}
	if (splice_span(so, &t0, &t1, &why) < 0) {
		error_on(c, 0, "%s: %s", sol, why);
		return 0;
	}
	size_t pre = first_diff(sk, s0, so, t0);
	size_t post = first_diff(sk + s1, strlen(sk + s1), so + t1, strlen(so + t1));
	if (pre != NO_DIFF)
		error_on(c, 0, "%s:%d: differs from %s before the KVM_EXIT_IO body: the reference must be "
			 "the skeleton plus a handler, as the mutants are", sol, line_at(so, pre), skel);
	else if (post != NO_DIFF)
		error_on(c, 0, "%s:%d: differs from %s after the KVM_EXIT_IO body: the reference must be "
			 "the skeleton plus a handler, as the mutants are", sol, line_at(so, t1 + post), skel);
	return 0;
}

/* A file of the lab through intake (intake.h), as a submission is read:
 * its bytes, or NULL after an error naming it and why. */
static char *lab_file(struct cl *c, const char *path)
{
	struct intake in;
	if (intake_file(AT_FDCWD, path, &in) == 0)
		return in.data;
	error_on(c, 0, "%s: %s%s", path, in.status == INTAKE_MISSING ? strerror(in.err) : intake_cause(&in),
		 intake_refusal_is_final(&in) ? " (check-lab reads only regular files of at most 1 MiB, "
						"never through a link)" : "");
	return NULL;
}

/* What intake read, as <workdir>/<dir>/<source>: what is compiled (the
 * lab's path is never opened again). malloc'd path, or NULL. */
static char *private_copy(struct cl *c, const char *dir, const char *text)
{
	char *d = path_join(c->workdir, dir), *p = path_join(d, c->lab.source);
	int made = text && mkdir_p(d, 0755) == 0;
	free(d);
	if (made && write_atomic(p, text, strlen(text), 0644) == 0)
		return p;
	if (text)
		error_on(c, 0, "%s: cannot write: %s", p, strerror(errno));
	free(p);
	return NULL;
}

/* --write-mutants: what was compiled, for an instructor to read. */
static void write_mutant(struct cl *c, const char *path, const char *name, const char *src)
{
	if (!c->mutants_out)
		return;
	char *out = xasprintf("%s/%s.c", c->mutants_out, name);
	if (mkdir_p(c->mutants_out, 0755) < 0 || write_atomic(out, src, strlen(src), 0644) < 0)
		warn_on(c, 0, "%s: cannot write %s: %s", path, out, strerror(errno));
	free(out);
}

/* Reads labs/<lab>/mutants/<fname>, splices it into the skeleton under the
 * work dir and adds it; a malformed mutant is an error. */
static void load_mutant(struct cl *c, const char *dir, const char *fname, const char *skel)
{
	char *path = path_join(dir, fname);
	char *text = lab_file(c, path);
	if (!text) {
		free(path);
		return;
	}
	char *nl = strchr(text, '\n'), *body = nl ? nl + 1 : text + strlen(text);
	if (nl)
		*nl = '\0';
	char *desc = text + 3, *end = text + strlen(text);
	while (end > text && isspace((unsigned char)end[-1]))
		*--end = '\0';
	int label = splice_label_line(body);
	if (strncmp(text, "// ", 3) || !*desc) {
		error_on(c, 0, "%s:1: line 1 must be `// <one-line description of the mistake>`", path);
	} else if (label) {
		error_on(c, 0, "%s:%d: a case/default label in the handler: the splice rule ends the body "
			 "at the first label, so this mutant cannot be spliced as written", path, label + 1);
	} else {
		int line;
		const char *why;
		char *src = splice_body(skel, body, &line, &why);   /* the skeleton's span is valid */
		char *name = xasprintf("%.*s", (int)(strlen(fname) - 2), fname);
		char *d = xasprintf("%s/src/%s", c->workdir, name), *p = path_join(d, c->lab.source);
		mkdir_p(d, 0755);
		if (!src || write_atomic(p, src, strlen(src), 0644) < 0) {
			error_on(c, 0, "%s: cannot splice it into the skeleton: %s", path, src ? strerror(errno) : why);
			free(p);
		} else {
			write_mutant(c, path, name, src);
			add_vmm(c, V_MUTANT, name, path, desc, p);
			c->v[c->nv - 1].body_line = line;
			c->v[c->nv - 1].body_lines = line_at(body, strlen(body));
		}
		free(d);
		free(name);
		free(src);
	}
	free(text);
	free(path);
}

static void load_mutants(struct cl *c, const char *skel)
{
	char *dir = xasprintf("labs/%s/mutants", c->opt.lab), **names;
	int n = list_suffix(dir, ".c", &names);
	if (n <= 0)
		warn_on(c, 0, "%s/: no mutants (*.c): nothing shows that the scenarios catch mistakes", dir);
	for (int i = 0; i < n; i++)
		load_mutant(c, dir, names[i], skel);
	if (n >= 0)
		free_names(names, n);
	free(dir);
}

/* v[0] the reference, v[1] the skeleton, then the mutants. */
static void load_vmms(struct cl *c)
{
	char *sol = xasprintf("solution/%s/%s", c->opt.lab, c->lab.source);
	char *skel = xasprintf("skeleton/%s/%s", c->opt.lab, c->lab.source);
	char *so = lab_file(c, sol), *sk = lab_file(c, skel);
	add_vmm(c, V_REF, "(reference)", sol, "the reference: must pass every scenario", private_copy(c, "ref", so));
	add_vmm(c, V_SKEL, "(skeleton)", skel, "the untouched skeleton: must fail every scenario",
		private_copy(c, "skel", sk));
	if (so && sk && check_shapes(c, skel, sk, sol, so) == 0)
		load_mutants(c, sk);
	free(so);
	free(sk);
	free(sol);
	free(skel);
}

/* Columns: (scenario, backend) pairs, scenario-major. */
static void make_columns(struct cl *c)
{
	c->col = zalloc((size_t)c->nsc * 2 * sizeof *c->col);
	for (int s = 0; s < c->nsc; s++) {
		if (c->sc[s].emu_only) {
			c->col[c->ncol++] = (struct col){ s, BACKEND_EMU };
			continue;
		}
		for (int b = 0; b < c->nbe; b++)
			c->col[c->ncol++] = (struct col){ s, c->be[b] };
	}
}

/* ---- running in parallel --------------------------------------------- */

/* Anonymous shared memory (zeroed): the workers' results. */
static void *shared_zalloc(size_t n)
{
	void *p = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "grade --check-lab: mmap: %s\n", strerror(errno));
		exit(EXIT_SETUP);
	}
	return p;
}

typedef void job_fn(struct cl *c, int job);

/* job(c, 0..njobs-1) in forked workers, each taking the next job from a
 * shared counter (so a few slow jobs, e.g. timeouts, don't hold up one
 * worker's share). Processes rather than threads: the sandbox reaps
 * children and sets process-wide state. Returns the number of workers that
 * did not end cleanly; their unfinished jobs are left undone. */
static int parallel(struct cl *c, int njobs, job_fn *job)
{
	int workers = c->opt.jobs < njobs ? c->opt.jobs : njobs, started = 0, bad = 0;
	atomic_int *next = shared_zalloc(sizeof *next);
	atomic_init(next, 0);
	fflush(stdout);
	fflush(stderr);
	pid_t *pid = zalloc((size_t)(workers > 0 ? workers : 1) * sizeof *pid);
	for (int w = 0; w < workers && workers > 1; w++) {
		pid_t p = fork();
		if (p == 0) {
			for (int i; (i = atomic_fetch_add(next, 1)) < njobs;)
				job(c, i);
			_exit(0);
		}
		if (p < 0)
			break;
		pid[started++] = p;
	}
	if (!started)   /* one job, one worker, or no fork: here */
		for (int i; (i = atomic_fetch_add(next, 1)) < njobs;)
			job(c, i);
	for (int w = 0; w < started; w++) {
		int st = 0;
		while (waitpid(pid[w], &st, 0) < 0 && errno == EINTR)
			;
		bad += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	}
	free(pid);
	munmap(next, sizeof *next);
	return bad;
}

/* ---- building ------------------------------------------------------------ */

/* The first line of a compiler's output that says "error" (else the first
 * line that isn't gcc's "In function" context). */
static void first_error(const char *diag, char *out, size_t len)
{
	const char *pick = NULL;
	for (const char *p = diag; p && *p && !pick;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (memmem(p, n, "error:", 6) || memmem(p, n, "undefined reference", 19))
			pick = p;
		p = e ? e + 1 : NULL;
	}
	for (const char *p = diag; !pick && p && *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n && !memmem(p, n, "In function", 11))
			pick = p;
		p = e ? e + 1 : NULL;
	}
	if (!pick)
		pick = "the compiler failed without a message";
	snprintf(out, len, "%.*s", (int)strcspn(pick, "\n"), pick);
}

/* Compiles v[k] through build_submission() (the sandbox, the lab's flags),
 * or takes it from the cache: key = the source and the flags. */
static void build_job(struct cl *c, int k)
{
	const struct vmm *v = &c->v[k];
	struct build_slot *s = &c->build[k];
	uint64_t h = FNV_INIT;
	char *cached = NULL;
	if (hash_file(v->src, &h) == 0) {
		h = fnv1a_str(fnv1a_str(fnv1a_str(h, c->lab.cflags), c->lab.ldflags), c->lab.source);
		cached = xasprintf("%s/vmm-%016llx", c->cachedir, (unsigned long long)h);
	}
	if (is_regular(cached)) {
		snprintf(s->bin, sizeof s->bin, "%s", cached);
		s->ok = 1;
	} else {
		char *outdir = xasprintf("%s/build-%d", c->workdir, k);
		mkdir_p(outdir, 0777);
		chmod(outdir, 0777);   /* the box may write as an unprivileged uid */
		struct build_result br;
		build_submission(&c->lab, v->src, outdir, &br);
		s->ok = br.ok;
		s->sandbox_failed = br.sandbox_failed;
		if (br.ok)
			snprintf(s->bin, sizeof s->bin, "%s",
				 cached && copy_atomic(br.binary, cached, 0755) == 0 ? cached : br.binary);
		else {
			first_error(br.diag, s->why, sizeof s->why);
			snprintf(s->diag, sizeof s->diag, "%s", br.diag);
		}
		build_result_free(&br);
		free(outdir);
	}
	free(cached);
	s->done = 1;
}

/* "<source>:L:C: rest" → L and rest; 0 when the line isn't of that shape. */
static int diag_line(const char *why, const char *source, const char **rest)
{
	size_t n = strlen(source);
	if (strncmp(why, source, n) || why[n] != ':' || !isdigit((unsigned char)why[n + 1]))
		return 0;
	char *end;
	long line = strtol(why + n + 1, &end, 10);
	const char *r = strstr(end, ": ");
	*rest = r ? r + 2 : end;
	return line > 0 && line < INT_MAX ? (int)line : 0;
}

/* A link error names no line: "undefined reference to `f'" usually comes
 * from a typo that the compiler warned about, at a line, as 'f'. */
static int line_of_symbol(const char *diag, const char *why, const char *source)
{
	const char *u = strstr(why, "undefined reference to `");
	if (!u)
		return 0;
	u += strlen("undefined reference to `");
	char quoted[200];
	snprintf(quoted, sizeof quoted, "'%.*s'", (int)strcspn(u, "'"), u);
	for (const char *p = diag; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *rest;
		int line = diag_line(p, source, &rest);
		const char *e = strchr(p, '\n');
		if (line && memmem(p, e ? (size_t)(e - p) : strlen(p), quoted, strlen(quoted)))
			return line;
	}
	return 0;
}

static void report_build(struct cl *c, int k)
{
	const struct vmm *v = &c->v[k];
	const struct build_slot *s = &c->build[k];
	if (s->ok)
		return;
	if (!s->done || s->sandbox_failed) {
		c->grader_errors++;
		error_on(c, 0, "%s: sandbox failure while compiling it: %s", v->file,
			 s->done ? s->why : "the worker died");
		return;
	}
	const char *rest = s->why;
	int line = diag_line(s->why, c->lab.source, &rest);
	if (!line)
		line = line_of_symbol(s->diag, s->why, c->lab.source);
	int mline = line - v->body_line + 2;   /* the mutant's line 2 is the body's first */
	if (v->kind != V_MUTANT && line)
		error_on(c, 0, "%s:%d: does not compile with lab.conf's flags: %s", v->file, line, rest);
	else if (v->kind != V_MUTANT)
		error_on(c, 0, "%s: does not compile with lab.conf's flags: %s", v->file, rest);
	else if (line >= v->body_line && line < v->body_line + v->body_lines)
		error_on(c, 0, "%s:%d: does not compile spliced into the skeleton: %s", v->file, mline, rest);
	else
		error_on(c, 0, "%s: does not compile spliced into the skeleton: %s", v->file, s->why);
}

static void build_all(struct cl *c)
{
	c->build = shared_zalloc((size_t)c->nv * sizeof *c->build);
	parallel(c, c->nv, build_job);
	for (int k = 0; k < c->nv; k++)
		report_build(c, k);
}

/* ---- running ------------------------------------------------------------- */

/* Column k run exactly as grading runs its scenario on its backend. */
static struct run_spec spec_for(const struct cl *c, int k)
{
	int s = c->col[k].sc;
	return run_spec_for(&c->lab, &c->sc[s], c->image[s], c->col[k].be, c->emu_lib);
}

/* The backend of column k for notes: none for emulated-only scenarios,
 * which run on emu whatever is being checked. */
static unsigned col_mask(const struct cl *c, int k)
{
	return c->sc[c->col[k].sc].emu_only ? 0 : be_bit(c->col[k].be);
}

/* A reference run that is neither success nor error makes no expectation. */
static void reference_ending(struct cl *c, int k)
{
	const struct scenario *sc = &c->sc[c->col[k].sc];
	const struct run_outcome *o = &c->ref[k];
	char ended[300];
	describe_end(o, ended, sizeof ended);
	unsigned m = col_mask(c, k);
	if (o->end == END_TIMEOUT)
		error_on(c, m, "%s: reference timed out on scenario %s: the guest never halts? (limit %g s)",
			 sc->path, sc->name, o->timeout_s);
	else if (o->end == END_FLOOD)
		error_on(c, m, "%s: reference flooded stdout on scenario %s: the guest never halts? (more than "
			 "%zu bytes)", sc->path, sc->name, o->out_cap);
	else if (o->end == END_EXITED && o->code >= 1 && o->code <= 125)
		error_on(c, m, "%s: reference exited %d with nothing on stderr on scenario %s: an error must "
			 "come with a message", sc->path, o->code, sc->name);
	else
		error_on(c, m, "%s: reference %s on scenario %s: it must exit 0, or 1-125 with a message",
			 sc->path, ended, sc->name);
}

static const char *class_name(enum exit_class cls)
{
	return cls == EXIT_SUCCESS_CLASS ? "success" : "error";
}

/* `at byte N: pinned "..." but the reference printed "..."` */
static void one_line_diff(struct buf *b, const char *exp, size_t elen, const char *got, size_t glen, size_t at)
{
	size_t from = at > 12 ? at - 12 : 0, span = 36;
	buf_addf(b, "at byte %zu: pinned %s\"", at, from ? "..." : "");
	esc_c(b, exp + from, elen - from < span ? elen - from : span);
	buf_addf(b, "\"%s but the reference printed %s\"", elen - from > span ? "..." : "", from ? "..." : "");
	esc_c(b, got + from, glen - from < span ? glen - from : span);
	buf_addf(b, "\"%s", glen - from > span ? "..." : "");
}

/* The pins must say what the reference does. */
static void check_pins(struct cl *c, int k, enum exit_class cls)
{
	int s = c->col[k].sc;
	const struct scenario *sc = &c->sc[s];
	const struct run_outcome *o = &c->ref[k];
	unsigned m = col_mask(c, k);
	if (sc->pin_exit != EXIT_UNSET && sc->pin_exit != cls) {
		char ended[300];
		describe_end(o, ended, sizeof ended);
		error_on(c, m, "%s:%d: expect-exit is %s, but the reference ends with %s (%s) on scenario %s",
			 sc->path, header_line(c->text[s], "expect-exit"), class_name(sc->pin_exit),
			 class_name(cls), ended, sc->name);
	}
	size_t at = sc->pin_out ? first_diff(sc->pin_out, sc->pin_out_len, o->out, o->out_len) : NO_DIFF;
	if (at != NO_DIFF) {
		struct buf b = {0};
		one_line_diff(&b, sc->pin_out, sc->pin_out_len, o->out, o->out_len, at);
		error_on(c, m, "%s:%d: expect-stdout differs from the reference's stdout on scenario %s, %s",
			 sc->path, header_line(c->text[s], "expect-stdout"), sc->name, buf_str(&b));
		buf_free(&b);
	}
}

/* What grading expects (expect.c: the reference's run, pins taking
 * precedence), then the reference judged against it like anyone else. */
static void reference_column(struct cl *c, int k)
{
	const struct scenario *sc = &c->sc[c->col[k].sc];
	struct run_outcome *o = &c->ref[k];
	struct expectation *e = &c->exp[k];
	struct cell *cell = CELL(c, 0, k);
	cell->ran = 1;
	if (o->end == END_SANDBOX) {
		cell->grader_error = 1;
		c->grader_errors++;
		error_on(c, 0, "sandbox failure running the reference on scenario %s: %s", sc->name, o->diag);
		return;
	}
	enum exit_class cls = exit_class_of(o);
	if (cls == EXIT_UNSET) {
		reference_ending(c, k);
		return;
	}
	check_pins(c, k, cls);
	e->ok = 1;
	e->cls = sc->pin_exit != EXIT_UNSET ? sc->pin_exit : cls;
	e->source = sc->pin_out ? "pinned" : "reference";
	const char *out = sc->pin_out ? sc->pin_out : o->out;
	e->out_len = sc->pin_out ? sc->pin_out_len : o->out_len;
	e->out = xmalloc(e->out_len + 1);
	memcpy(e->out, out, e->out_len);
	e->out[e->out_len] = '\0';
	struct verdict v;
	judge(e, o, &v);
	cell->pass = v.pass;
	snprintf(cell->cause, sizeof cell->cause, "%s", v.cause);
	/* A column the reference fails (a wrong pin) would "kill" everyone and
	 * hide the mutants that nothing else catches: it kills nothing. */
	if (!v.pass)
		e->ok = 0;
}

/* KVM and kvmemu should agree on what the reference does. */
static void compare_backends(struct cl *c)
{
	for (int k = 1; k < c->ncol; k++) {
		if (c->col[k].sc != c->col[k - 1].sc || !c->exp[k].ok || !c->exp[k - 1].ok)
			continue;
		const struct run_outcome *a = &c->ref[k - 1], *b = &c->ref[k];
		const struct scenario *sc = &c->sc[c->col[k].sc];
		size_t at = first_diff(a->out, a->out_len, b->out, b->out_len);
		if (at != NO_DIFF || exit_class_of(a) != exit_class_of(b))
			warn_on(c, 0, "%s: the reference ends differently on %s and %s on scenario %s (%s): "
				"kvmemu and KVM disagree here", sc->path, backend_name(c->col[k - 1].be),
				backend_name(c->col[k].be), sc->name,
				at != NO_DIFF ? "stdout differs" : "exit class differs");
	}
}

static void run_reference(struct cl *c)
{
	c->ref = zalloc((size_t)c->ncol * sizeof *c->ref);
	c->exp = zalloc((size_t)c->ncol * sizeof *c->exp);
	for (int k = 0; k < c->ncol; k++) {
		struct run_spec spec = spec_for(c, k);
		spec.binary = c->build[0].bin;
		run_vmm(&spec, &c->ref[k]);
		reference_column(c, k);
	}
	compare_backends(c);
}

/* One (program, column) cell, judged as grading judges. */
static void run_job(struct cl *c, int j)
{
	int v = 1 + j / c->ncol, k = j % c->ncol;
	struct cell *cell = CELL(c, v, k);
	if (!c->build[v].ok || !c->exp[k].ok)
		return;
	struct run_spec spec = spec_for(c, k);
	spec.binary = c->build[v].bin;
	struct run_outcome o;
	run_vmm(&spec, &o);
	struct verdict vd;
	judge(&c->exp[k], &o, &vd);
	cell->pass = vd.pass;
	cell->grader_error = vd.grader_error;
	snprintf(cell->cause, sizeof cell->cause, "%s", vd.cause);
	cell->ran = 1;
	run_outcome_free(&o);
}

static void run_others(struct cl *c)
{
	parallel(c, (c->nv - 1) * c->ncol, run_job);
	for (int v = 1; v < c->nv; v++)
		for (int k = 0; k < c->ncol; k++) {
			const struct cell *cell = CELL(c, v, k);
			const char *sc = c->sc[c->col[k].sc].name;
			if (c->build[v].ok && c->exp[k].ok && !cell->ran) {
				c->grader_errors++;
				error_on(c, 0, "%s was not run on scenario %s: a check-lab worker died", c->v[v].name, sc);
			} else if (cell->ran && cell->grader_error) {
				c->grader_errors++;
				error_on(c, col_mask(c, k), "%s on scenario %s: %s", c->v[v].name, sc, cell->cause);
			}
		}
}

/* ---- verdicts on the suite -------------------------------------------- */

static int killed(const struct cell *cell)
{
	return cell->ran && !cell->grader_error && !cell->pass;
}

/* Does column k take part in grading on backend b? Emulated-only scenarios
 * run on emu whatever the backend. */
static int in_profile(const struct cl *c, int k, enum backend b)
{
	return c->sc[c->col[k].sc].emu_only || c->col[k].be == b;
}

static void check_skeleton(struct cl *c)
{
	for (int k = 0; k < c->ncol; k++) {
		const struct cell *cell = CELL(c, 1, k);
		const struct scenario *sc = &c->sc[c->col[k].sc];
		if (!cell->ran || cell->grader_error || !cell->pass)
			continue;
		if (sc->points)
			error_on(c, col_mask(c, k), "%s: the untouched skeleton passes scenario %s (%d point%s): "
				 "it must score 0", c->v[1].file, sc->name, sc->points, sc->points == 1 ? "" : "s");
		else
			warn_on(c, col_mask(c, k), "%s: the untouched skeleton passes scenario %s (0 points)",
				c->v[1].file, sc->name);
	}
}

/* Every mutant fails some scenario, on every backend it would be graded on;
 * a kill that only a randomized or emulated-only scenario makes is weaker. */
static void check_mutant(struct cl *c, int v, enum backend b)
{
	const struct vmm *m = &c->v[v];
	struct buf list = {0};
	int n = 0, strong = 0;
	for (int s = 0; s < c->nsc; s++) {
		int hit = 0;
		for (int k = 0; k < c->ncol; k++)
			hit |= c->col[k].sc == s && in_profile(c, k, b) && killed(CELL(c, v, k));
		if (!hit)
			continue;
		buf_addf(&list, "%s%s", n++ ? ", " : "", c->sc[s].name);
		strong += !c->sc[s].random && !c->sc[s].emu_only;
	}
	if (!n)
		error_on(c, be_bit(b), "%s: mutant %s survives every scenario: none tells \"%s\" from the "
			 "reference", m->file, m->name, m->desc);
	else if (!strong)
		warn_on(c, be_bit(b), "%s: mutant %s is killed only by randomized or emulated-only scenarios (%s)",
			m->file, m->name, buf_str(&list));
	buf_free(&list);
}

static int scenario_kills(const struct cl *c, int s)
{
	int n = 0;
	for (int v = 2; v < c->nv; v++) {
		int hit = 0;
		for (int k = 0; k < c->ncol; k++)
			hit |= c->col[k].sc == s && killed(CELL(c, v, k));
		n += hit;
	}
	return n;
}

static void check_kills(struct cl *c)
{
	check_skeleton(c);
	for (int v = 2; v < c->nv; v++)
		if (c->build[v].ok)
			for (int b = 0; b < c->nbe; b++)
				check_mutant(c, v, c->be[b]);
	for (int s = 0; s < c->nsc && c->nv > 2; s++) {
		int ran = 0;
		for (int k = 0; k < c->ncol; k++)
			ran |= c->col[k].sc == s && c->exp[k].ok;
		if (ran && !scenario_kills(c, s))
			warn_on(c, 0, "%s: scenario %s kills no mutant: no mistake in labs/%s/mutants/ shows there",
				c->sc[s].path, c->sc[s].name, c->opt.lab);
	}
}

/* ---- the report ----------------------------------------------------------- */

/* One character per (program, scenario) over the scenario's backends. */
static char mark(const struct cl *c, int v, int s)
{
	int ran = 0, kills = 0, err = 0;
	unsigned km = 0;
	for (int k = 0; k < c->ncol; k++) {
		const struct cell *cell = CELL(c, v, k);
		if (c->col[k].sc != s || !cell->ran)
			continue;
		ran++;
		err += cell->grader_error;
		if (killed(cell)) {
			kills++;
			km |= be_bit(c->col[k].be);
		}
	}
	if (err)
		return '!';
	if (!ran)
		return '?';
	if (!kills)
		return '.';
	if (kills == ran)
		return 'X';
	return km & be_bit(BACKEND_KVM) ? 'k' : 'e';
}

static void print_header(const struct cl *c)
{
	int random = 0;
	for (int s = 0; s < c->nsc; s++)
		random |= c->sc[s].random;
	printf("check-lab %s: %d scenarios, %d mutants; backend%s:", c->lab.name, c->nsc, c->nv - 2,
	       c->nbe > 1 ? "s" : "");
	for (int b = 0; b < c->nbe; b++)
		printf(" %s", backend_name(c->be[b]));
	printf("; sandbox: %s", box_layer());
	if (random)
		printf("; seed %lu", c->opt.seed);
	printf("; %d jobs\n", c->opt.jobs);
	fflush(stdout);
}

static void print_legend(const struct cl *c)
{
	int w = 4;
	for (int s = 0; s < c->nsc; s++)
		w = (int)strlen(c->sc[s].name) > w ? (int)strlen(c->sc[s].name) : w;
	printf("\nkill matrix: X = the scenario kills the mutant, . = the mutant passes it%s\n",
	       c->nbe > 1 ? ", k/e = killed on kvm/emu only" : "");
	for (int s = 0; s < c->nsc; s++) {
		const struct scenario *sc = &c->sc[s];
		printf("  %3d  %-*s %3d pt  kills %2d  %s%s%s%s\n", s + 1, w, sc->name, sc->points,
		       scenario_kills(c, s), sc->title, sc->emu_only ? "  [emulated-only]" : "",
		       sc->random ? "  [randomized]" : "", sc->hidden ? "  [hidden]" : "");
	}
}

/* Scenario numbers written downwards, one column each. */
static void print_numbers(int n, int indent)
{
	int rows = n >= 100 ? 3 : n >= 10 ? 2 : 1;
	for (int r = rows - 1; r >= 0; r--) {
		int p = r == 2 ? 100 : r == 1 ? 10 : 1;
		printf("%*s", indent, "");
		for (int s = 1; s <= n; s++)
			putchar(s >= p ? '0' + (s / p) % 10 : ' ');
		putchar('\n');
	}
}

static void print_matrix(const struct cl *c)
{
	int w = 0;
	for (int v = 0; v < c->nv; v++)
		w = (int)strlen(c->v[v].name) > w ? (int)strlen(c->v[v].name) : w;
	print_legend(c);
	putchar('\n');
	print_numbers(c->nsc, w + 2);
	for (int v = 0; v < c->nv; v++) {
		printf("%-*s  ", w, c->v[v].name);
		int n = 0;
		for (int s = 0; s < c->nsc; s++) {
			char m = mark(c, v, s);
			putchar(m);
			n += m == 'X' || m == 'k' || m == 'e';
		}
		if (c->v[v].kind == V_MUTANT)
			printf("  %2d  %s\n", n, c->v[v].desc);
		else
			printf("      %s\n", c->v[v].desc);
	}
	putchar('\n');
}

static int summary(const struct cl *c, double t0)
{
	int ne = count_notes(c, SEV_ERROR), nw = count_notes(c, SEV_WARN), pins = 0, max = 0;
	for (int s = 0; s < c->nsc; s++) {
		pins += c->sc[s].pin_out || c->sc[s].pin_exit != EXIT_UNSET;
		max += c->sc[s].points;
	}
	print_notes(c, SEV_WARN);
	print_notes(c, SEV_ERROR);
	const char *lab = c->lab.name ? c->lab.name : c->opt.lab;
	if (ne)
		printf("check-lab %s: FAILED: %d error%s, %d warning%s (%.1f s)\n", lab, ne, ne == 1 ? "" : "s",
		       nw, nw == 1 ? "" : "s", now_s() - t0);
	else
		printf("check-lab %s: OK: the reference passes all %d scenarios (%d pinned), the skeleton "
		       "scores 0/%d, all %d mutants are killed; %d warning%s (%.1f s)\n", lab, c->nsc, pins, max,
		       c->nv - 2, nw, nw == 1 ? "" : "s", now_s() - t0);
	fflush(stdout);
	return !ne ? 0 : c->grader_errors ? EXIT_SETUP : EXIT_BAD_LAB;
}

/* ---- main ----------------------------------------------------------------- */

static int default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	/* Much of a run is waiting (sandbox setup, a hung mutant's timeout):
	 * 4 per core measured fastest on 2 cores. */
	n = n < 1 ? 4 : 4 * n;
	return n > 16 ? 16 : (int)n;
}

static int check(struct cl *c, double t0)
{
	load_scenarios(c);
	int rc = need_emu(c);
	if (rc)
		return rc;
	assemble_all(c);
	load_vmms(c);
	if (count_notes(c, SEV_ERROR))   /* nothing runs on a suite that can't load */
		return summary(c, t0);
	make_columns(c);
	print_header(c);
	c->cell = shared_zalloc((size_t)c->nv * (size_t)c->ncol * sizeof *c->cell);
	build_all(c);
	if (!c->build[0].ok)
		return summary(c, t0);
	run_reference(c);
	run_others(c);
	check_kills(c);
	print_matrix(c);
	return summary(c, t0);
}

static void cleanup(struct cl *c)
{
	for (int k = 0; c->ref && k < c->ncol; k++)
		run_outcome_free(&c->ref[k]);
	for (int k = 0; c->exp && k < c->ncol; k++)
		expectation_free(&c->exp[k]);
	free(c->ref);
	free(c->exp);
	for (int s = 0; s < c->nsc; s++) {
		free(c->text[s]);
		free(c->image ? c->image[s] : NULL);
	}
	free(c->text);
	free(c->image);
	scenarios_free(c->sc, c->nsc);
	for (int v = 0; v < c->nv; v++) {
		free(c->v[v].name);
		free(c->v[v].file);
		free(c->v[v].desc);
		free(c->v[v].src);
	}
	free(c->v);
	for (int i = 0; i < c->nnote; i++)
		free(c->note[i].text);
	free(c->note);
	if (c->build)
		munmap(c->build, (size_t)c->nv * sizeof *c->build);
	if (c->cell)
		munmap(c->cell, (size_t)c->nv * (size_t)c->ncol * sizeof *c->cell);
	free(c->col);
	lab_free(&c->lab);
	remove_work_dirs(&c->workdir, &c->cachedir);
	free(c->emu_lib);
	free(c->mutants_out);
}

int checklab_main(int argc, char **argv)
{
	struct cl c;
	memset(&c, 0, sizeof c);
	int rc = parse_opts(argc, argv, &c.opt);
	if (rc)
		return rc;
	if (!c.opt.jobs)
		c.opt.jobs = default_jobs();
	double t0 = now_s();
	rc = setup(&c);
	if (rc == 0)
		rc = check(&c, t0);
	cleanup(&c);
	return rc;
}
