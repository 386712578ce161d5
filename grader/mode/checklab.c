/*
 * checklab.c — `grade --check-lab`: is the lab's scenario suite sound?
 * (DESIGN.md, "make check-lab"; the contract and the parts: checklab.h;
 * --mutate's generated mutants: checklab_mutate.c.)
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
#include "modes.h"
#include "intake.h"
#include "splice.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
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

#define setup_error(...) setup_error_as("grade --check-lab", __VA_ARGS__)

/* ---- setup ------------------------------------------------------------- */

/* The backends to check: --backend all = every usable one. */
static int pick_backends(struct cl *c)
{
	char why[256] = "";
	int kvm_ok = kvm_usable(why, sizeof why);
	int emu_ok = c->core.emu_lib != NULL;
	enum backend want = c->opt->backend;
	if (c->opt->all_backends) {
		if (kvm_ok)
			c->be[c->nbe++] = BACKEND_KVM;
		if (emu_ok)
			c->be[c->nbe++] = BACKEND_EMU;
		if (c->nbe)
			return 0;
		char *target = kit_emu_lib_target(&c->kit);
		int rc = setup_error("no backend to check on: %s, and libkvmemu.so is missing (run `make %s`)",
				     why, target);
		free(target);
		return rc;
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
	for (int s = 0; s < c->core.nsc; s++)
		need |= c->core.sc[s].emu_only;
	if (!need || c->core.emu_lib)
		return 0;
	char *name = kit_emu_lib_name(&c->kit), *target = kit_emu_lib_target(&c->kit);
	int rc = setup_error("the emulated backend is needed but %s is missing (run `make %s`, or set KVMEMU_LIB)",
			     name, target);
	free(name);
	free(target);
	return rc;
}

static int setup(struct cl *c)
{
	char err[700];
	c->mutants_out = caller_path(c->opt->write_mutants);
	if (kit_enter(&c->kit, c->opt->root, c->opt->build, c->opt->lab, err, sizeof err) < 0)
		return setup_error("%s", err);
	int rc = core_open(&c->core, &c->kit, "virtlab-checklab", err, sizeof err);
	if (rc == CORE_BAD_LAB) {
		/* An author's mistake, like a bad scenario header. */
		printf("error: %s\ncheck-lab %s: FAILED: its lab.conf is invalid\n", err, c->kit.lab);
		return CL_EXIT_BAD_LAB;
	}
	if (rc < 0)
		return setup_error("%s", err);
	c->core.seed = c->opt->seed;
	core_layer();   /* picked once, here, so that the workers inherit it */
	return pick_backends(c);
}

/* ---- scenarios ----------------------------------------------------------- */


void *cl_zalloc(size_t n)
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
		cl_error(c, 0, "%s: %s", sc.path, strerror(errno));
	} else if (scenario_parse(sc.path, text, &sc, err, sizeof err) < 0) {
		cl_error(c, 0, "%s", err);
	} else {
		c->core.sc = xrealloc(c->core.sc, (size_t)(c->core.nsc + 1) * sizeof *c->core.sc);
		c->core.sc[c->core.nsc++] = sc;
		free(text);
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
static void check_scenario_set(struct cl *c, const char *dir)
{
	int total = 0;
	for (int i = 0; i < c->core.nsc; i++) {
		const struct scenario *a = &c->core.sc[i];
		total += a->points;
		if (!plain_name(a->name))
			cl_warn(c, 0, "%s: scenario name '%s' is not [a-z0-9_]+ (it names report lines, "
				"JSON tests and files: keep it plain)", a->path, a->name);
		if (strstr(a->title, "TODO"))
			cl_warn(c, 0, "%s:%d: the title still says TODO", a->path, scenario_key_line(&c->core.sc[i], "title"));
		if (a->hint && strstr(a->hint, "TODO"))
			cl_warn(c, 0, "%s:%d: the hint still says TODO", a->path, scenario_key_line(&c->core.sc[i], "hint"));
		if (a->random && a->pin_out)
			cl_error(c, 0, "%s:%d: expect-stdout pinned on a `random: yes` scenario: its output "
				 "changes with the seed", a->path, scenario_key_line(&c->core.sc[i], "expect-stdout"));
		for (int j = 0; j < i; j++) {
			const struct scenario *b = &c->core.sc[j];
			if (!strcasecmp(a->name, b->name))
				cl_error(c, 0, "%s: scenario name '%s' differs from '%s' (%s) only in case: the two "
					 "collide on case-insensitive file systems and in zip files",
					 a->path, a->name, b->name, b->path);
			else if (!strcmp(a->title, b->title))
				cl_warn(c, 0, "%s:%d: same title as %s (\"%s\"): reports would not tell them apart",
					a->path, scenario_key_line(&c->core.sc[i], "title"), b->path, a->title);
		}
	}
	if (c->core.nsc && !total)
		cl_warn(c, 0, "%s/: the scenarios are worth 0 points in all", dir);
}

static void load_scenarios(struct cl *c)
{
	char *dir = kit_guests(&c->kit), **names;
	int n = list_suffix(dir, ".asm", &names);
	if (n < 0) {
		cl_error(c, 0, "%s: %s", dir, strerror(errno));
	} else {
		for (int i = 0; i < n; i++)
			load_scenario(c, dir, names[i]);
		if (n == 0)
			cl_error(c, 0, "%s: no scenarios (*.asm)", dir);
		free_names(names, n);
	}
	check_scenario_set(c, dir);
	free(dir);
}

/* Assembles every scenario; nasm's messages name file:line. */
static void assemble_all(struct cl *c)
{
	char err[600];
	c->core.images = cl_zalloc((size_t)c->core.nsc * sizeof *c->core.images);
	for (int s = 0; s < c->core.nsc; s++) {
		const struct scenario *sc = &c->core.sc[s];
		char *img = scenario_assemble(sc, c->opt->seed, c->core.cachedir, err, sizeof err);
		struct stat st;
		if (!img)
			cl_error(c, 0, "%s", err);
		else if (stat(img, &st) < 0)
			cl_error(c, 0, "%s: %s", img, strerror(errno));
		else if (st.st_size == 0)
			cl_error(c, 0, "%s: assembles to an empty image (a guest needs at least a `hlt`)", sc->path);
		else if ((size_t)st.st_size > c->core.lab.image_max)
			cl_error(c, 0, "%s: the image is %lld bytes; the guest image contract allows %zu (%zu KiB)",
				 sc->path, (long long)st.st_size, c->core.lab.image_max, c->core.lab.image_max / 1024);
		c->core.images[s] = img;
	}
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
	cl_load_vmms(c);
	if (cl_count_notes(c, SEV_ERROR))   /* nothing runs on a suite that can't load */
		return cl_summary(c, t0);
	cl_build_all(c);
	if (!c->build[0].ok || cl_qualify_backends(c) < 0)
		return cl_summary(c, t0);
	cl_make_columns(c);
	cl_print_header(c);
	c->cell = cl_shared_zalloc((size_t)c->nv * (size_t)c->ncol * sizeof *c->cell);
	cl_run_reference(c);
	if (c->opt->mutate) {
		cl_run_generated(c);
		return cl_summary(c, t0);
	}
	cl_run_others(c);
	cl_check_kills(c);
	cl_print_matrix(c);
	return cl_summary(c, t0);
}

static void cleanup(struct cl *c)
{
	for (int k = 0; c->ref && k < c->ncol; k++)
		run_outcome_free(&c->ref[k]);
	for (int k = 0; c->exp && k < c->ncol; k++)
		expectation_free(&c->exp[k]);
	free(c->ref);
	free(c->exp);
	for (int v = 0; v < c->nv; v++) {
		free(c->v[v].name);
		free(c->v[v].file);
		free(c->v[v].desc);
		free(c->v[v].src);
		free(c->v[v].mut_orig);
		free(c->v[v].mut_text);
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
	core_close(&c->core);
	kit_free(&c->kit);
	free(c->mutants_out);
}

int checklab_main(const struct cli *opt)
{
	struct cl c;
	memset(&c, 0, sizeof c);
	c.opt = opt;
	c.jobs = opt->jobs ? opt->jobs : default_jobs();
	double t0 = now_s();
	int rc = setup(&c);
	if (rc == 0)
		rc = check(&c, t0);
	cleanup(&c);
	return rc;
}
