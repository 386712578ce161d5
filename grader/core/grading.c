/* grading.c — the grading core (grading.h): one grading, for every mode. */
#include "grading.h"
#include "intake.h"
#include "lang.h"
#include "sandbox.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* labs/<lab>/diagnoses, beside lab.conf. */
static char *diag_path(const char *conf)
{
	const char *slash = strrchr(conf, '/');
	size_t dir = slash ? (size_t)(slash - conf) + 1 : 0;
	char *p = xmalloc(dir + sizeof "diagnoses");
	memcpy(p, conf, dir);
	strcpy(p + dir, "diagnoses");
	return p;
}

int core_load(struct core *c, const struct kit *kit, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->kit = kit;
	char *conf = kit_conf(kit);
	int rc = lab_load(conf, &c->lab, err, errlen);
	char *rules = diag_path(conf);
	if (rc == 0 && diag_load(rules, &c->diag, err, errlen) < 0) {
		lab_free(&c->lab);
		rc = -1;
	}
	free(rules);
	free(conf);
	if (rc < 0)
		return CORE_BAD_LAB;
	if (!c->lab.name)
		c->lab.name = xstrdup(kit->lab);
	c->emu_lib = kit_emu_lib(kit);
	c->solution = kit_solution(kit, c->lab.source);
	run_program_name(c->lab.source, c->program, sizeof c->program);
	return 0;
}

int core_open(struct core *c, const struct kit *kit, const char *prefix, char *err, size_t errlen)
{
	int rc = core_load(c, kit, err, errlen);
	if (rc < 0)
		return rc;
	char *cache = kit_cache(kit);
	rc = make_work_dirs(prefix, cache, &c->workdir, &c->cachedir);
	free(cache);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create a temporary directory: %s", strerror(errno));
		return CORE_SETUP;
	}
	return 0;
}

void core_close(struct core *c)
{
	for (int i = 0; c->images && i < c->nsc; i++)
		free(c->images[i]);
	free(c->images);
	scenarios_free(c->sc, c->nsc);
	expect_src_free(&c->ex);
	lab_free(&c->lab);
	diag_rules_free(&c->diag);
	remove_work_dirs(&c->workdir, &c->cachedir);
	free(c->emu_lib);
	free(c->solution);
	free(c->subset);
	memset(c, 0, sizeof *c);
}

/* One file of the lab into h; a missing or unreadable one hashes as such,
 * so that one appearing or going away changes the fingerprint too. */
static void hash_part(struct hash *h, const char *what, const char *path)
{
	hash_str(h, what);
	if (!path || hash_file(path, h) < 0)
		hash_str(h, "(absent)");
}

static void hash_folder(struct hash *h, const char *what, const char *dir, const char *suffix)
{
	char err[64];
	hash_str(h, what);
	if (hash_files(dir, suffix, h, err, sizeof err) < 0)
		hash_str(h, "(unreadable)");
}

struct digest core_fingerprint(const struct core *c, const char *expect_dir)
{
	struct hash h;
	hash_init(&h, "virtlab lab fingerprint 2 (sha256)");
	char *guests = kit_guests(c->kit), *conf = kit_conf(c->kit);
	hash_folder(&h, "scenarios", guests, ".asm");
	hash_folder(&h, "includes", guests, ".inc");
	hash_part(&h, "lab.conf", conf);
	char *rules = diag_path(conf);
	hash_part(&h, "diagnoses", rules);
	free(rules);
	hash_part(&h, "reference", c->solution);
	if (expect_dir)
		hash_folder(&h, "expect-dir", expect_dir, "");
	hash_part(&h, "kvmemu", c->emu_lib);
	free(guests);
	free(conf);
	return hash_digest(&h);
}

int core_scenarios(struct core *c, int public_only, char *err, size_t errlen)
{
	char *dir = kit_guests(c->kit);
	c->nsc = scenario_load(dir, public_only, &c->sc, err, errlen);
	if (c->nsc == 0)
		snprintf(err, errlen, "no scenarios in %s/%s", dir, public_only ? " (public ones)" : "");
	free(dir);
	if (c->nsc <= 0) {
		c->nsc = 0;
		return -1;
	}
	return 0;
}

/* One name of a --scenario list: its index in sc, or -1. */
static int find_scenario(const struct scenario *sc, int n, const char *name, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(sc[i].name) == len && !memcmp(sc[i].name, name, len))
			return i;
	return -1;
}

int scenario_filter(const struct scenario *sc, int n, const char *list, int *keep, char *err, size_t errlen)
{
	memset(keep, 0, (size_t)n * sizeof *keep);
	int count = 0;
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		int i = len ? find_scenario(sc, n, p, len) : -2;
		if (i == -1) {
			struct buf b = {0};
			buf_adds(&b, "--scenario: no scenario '");
			esc_text(&b, p, len);
			buf_adds(&b, "' (the scenarios:");
			for (int k = 0; k < n; k++)
				buf_addf(&b, " %s", sc[k].name);
			buf_adds(&b, ")");
			snprintf(err, errlen, "%s", buf_str(&b));
			buf_free(&b);
			return -1;
		}
		if (i >= 0 && !keep[i]) {
			keep[i] = 1;
			count++;
		}
		p += len + (p[len] == ',');
	}
	if (!count)
		snprintf(err, errlen, "--scenario needs scenario names (NAME[,NAME...])");
	return count ? count : -1;
}

int core_select(struct core *c, const char *list, char *err, size_t errlen)
{
	int *keep = xmalloc((size_t)c->nsc * sizeof *keep);
	int k = scenario_filter(c->sc, c->nsc, list, keep, err, errlen);
	if (k < 0) {
		free(keep);
		return -1;
	}
	c->nsc_lab = c->nsc;
	struct buf names = {0};
	int m = 0;
	for (int i = 0; i < c->nsc; i++) {
		if (!keep[i]) {
			scenario_free(&c->sc[i]);
			continue;
		}
		buf_addf(&names, "%s%s", m ? "," : "", c->sc[i].name);
		c->sc[m++] = c->sc[i];
	}
	if (m < c->nsc_lab)
		c->subset = xasprintf(" (partial: %d of %d scenarios: %s)", m, c->nsc_lab, buf_str(&names));
	c->nsc = m;
	buf_free(&names);
	free(keep);
	return 0;
}

int core_backend(struct core *c, enum backend be, char *err, size_t errlen)
{
	char why[256] = "";
	int kvm_ok = kvm_usable(why, sizeof why);
	switch (be) {
	case BACKEND_KVM:
		if (!kvm_ok) {
			snprintf(err, errlen, "--backend kvm, but %s", why);
			return -1;
		}
		c->dflt = BACKEND_KVM;
		snprintf(c->backend_desc, sizeof c->backend_desc, "kvm");
		break;
	case BACKEND_EMU:
		c->dflt = BACKEND_EMU;
		snprintf(c->backend_desc, sizeof c->backend_desc, "emu");
		break;
	case BACKEND_AUTO:
		c->dflt = kvm_ok ? BACKEND_KVM : BACKEND_EMU;
		if (kvm_ok)
			snprintf(c->backend_desc, sizeof c->backend_desc, "auto: kvm");
		else
			snprintf(c->backend_desc, sizeof c->backend_desc, "auto: emu (%s)", why);
		break;
	}
	/* Without kvmemu nothing could run; emulated-only scenarios alone are
	 * marked ERR at run time instead, so the rest still gets graded. */
	if (c->dflt == BACKEND_EMU && !c->emu_lib) {
		char *name = kit_emu_lib_name(c->kit), *target = kit_emu_lib_target(c->kit);
		snprintf(err, errlen, "the emulated backend is needed but %s is missing (run `make "
			 "%s`, or use --backend kvm on a machine with /dev/kvm)", name, target);
		free(name);
		free(target);
		return -1;
	}
	return 0;
}

int core_assemble(struct core *c, char *err, size_t errlen)
{
	c->images = xmalloc((size_t)c->nsc * sizeof *c->images);
	memset(c->images, 0, (size_t)c->nsc * sizeof *c->images);
	for (int i = 0; i < c->nsc; i++) {
		c->has_random |= c->sc[i].random;
		c->images[i] = scenario_assemble(&c->sc[i], c->seed, c->cachedir, err, errlen);
		if (!c->images[i])
			return -1;
	}
	return 0;
}

void core_expect_init(struct core *c, const char *expect_dir)
{
	struct expect_src ex = {
		.lab = &c->lab, .solution = access(c->solution, R_OK) == 0 ? c->solution : NULL,
		.expect_dir = expect_dir, .cachedir = c->cachedir, .workdir = c->workdir,
	};
	c->ex = ex;
}

void core_build_bytes(struct core *c, const char *tag, const char *data, size_t len, struct build_result *br)
{
	char *outdir = xasprintf("%s/%s", c->workdir, tag);
	char *srcdir = xasprintf("%s/%s-src", c->workdir, tag);
	char *src = path_join(srcdir, c->lab.source);
	mkdir_p(outdir, 0777);
	chmod(outdir, 0777);   /* the box may write as an unprivileged uid */
	mkdir_p(srcdir, 0755);
	if (write_atomic(src, data, len, 0644) < 0) {
		/* Our own disk: not the student's fault. */
		memset(br, 0, sizeof *br);
		br->sandbox_failed = 1;
		br->diag = xasprintf("cannot copy the submission into %s: %s\n", srcdir, strerror(errno));
		br->excerpt = xstrdup(br->diag);
	} else {
		build_submission(&c->lab, src, outdir, br);
	}
	free(src);
	free(srcdir);
	free(outdir);
}

struct run_spec core_spec(const struct core *c, int i, enum backend be)
{
	return run_spec_for(&c->lab, &c->sc[i], c->images[i], be, c->emu_lib);
}

void core_run(const struct core *c, int i, struct run_spec spec, const char *binary,
	      const struct expectation *e, struct sc_result *r)
{
	r->sc = &c->sc[i];
	r->backend = spec.backend;
	spec.binary = binary;
	run_vmm(&spec, &r->run);
	r->ran = 1;
	judge(e, &r->run, &r->v);
	r->score = r->v.pass ? r->sc->points : 0;
}

/* Can the default backend run this lab at all? Where the reference meets
 * none of the pinned scenarios' pins (kvmemu before it learnt mem_lab's long
 * mode and read-only slot: the reference stops at its first ioctl), nothing
 * graded there means anything: every scenario on it is a grader error, never
 * the student's 0. Asked of the reference (its runs are cached, so this
 * costs one cached run where the backend is fine); with an --expect-dir
 * (the student tarball: no reference), <dir>/unusable-<backend> says it. */
static void check_backend_runs_lab(struct core *c)
{
	if (c->lab_runs_checked)
		return;
	c->lab_runs_checked = 1;
	if (c->ex.expect_dir) {   /* no reference to ask: what scripts/mkdist found, if it did */
		char *p = xasprintf("%s/unusable-%s", c->ex.expect_dir, backend_name(c->dflt));
		char *t = read_file(p, NULL, 400);
		if (t)
			snprintf(c->lab_runs_why, sizeof c->lab_runs_why, "%.*s", (int)strcspn(t, "\n"), t);
		free(t);
		free(p);
		return;
	}
	if (!c->ex.solution)
		return;
	int tried = 0;
	for (int i = 0; i < c->nsc; i++) {
		const struct scenario *sc = &c->sc[i];
		if (sc->emu_only || (!sc->pin_out && sc->pin_exit == EXIT_UNSET))
			continue;
		struct run_spec spec = core_spec(c, i, c->dflt);
		struct expectation e;
		expect_reference(&c->ex, sc, &spec, &e);
		int met = e.ok && (sc->pin_exit == EXIT_UNSET || sc->pin_exit == e.cls) &&
			  (!sc->pin_out || first_diff(sc->pin_out, sc->pin_out_len, e.out, e.out_len) == NO_DIFF);
		if (!e.ok || met) {   /* no reference run: expect_get says why, scenario by scenario */
			expectation_free(&e);
			c->lab_runs_why[0] = '\0';
			return;
		}
		if (!tried++)
			snprintf(c->lab_runs_why, sizeof c->lab_runs_why, "%s can't run this lab: the reference "
				 "solution meets none of the pinned scenarios on it (%s: ended %s, printed %zu bytes)",
				 backend_name(c->dflt), sc->name, exit_class_word(e.cls), e.out_len);
		expectation_free(&e);
	}
}

/* Scenario i of a grading: why it can't run, or its expectation and run. */
static void grade_one(struct core *c, struct grading *g, int i)
{
	struct sc_result *r = &g->res[i];
	r->sc = &c->sc[i];
	r->backend = r->sc->emu_only ? BACKEND_EMU : c->dflt;   /* as run_spec_for() decides */
	if (g->rejected) {   /* nothing built or assembled: grade --batch's parent renders these too */
		char why[160];
		snprintf(why, sizeof why, "not graded: the submission is %s", rejection_phrase(g->rejected));
		judge_not_run(&r->v, CAUSE_REJECTED, why);
		return;
	}
	if (!g->build.ok) {
		if (g->build.sandbox_failed)
			judge_not_run(&r->v, CAUSE_SANDBOX, "sandbox failure while compiling");
		else
			judge_not_run(&r->v, CAUSE_BUILD_FAILED, T("did not compile", "编译失败"));
		return;
	}
	struct run_spec spec = core_spec(c, i, c->dflt);
	check_backend_runs_lab(c);
	if (!r->sc->emu_only && c->lab_runs_why[0]) {
		judge_not_run(&r->v, CAUSE_GRADER_ERROR, c->lab_runs_why);
		return;
	}
	if (spec.backend == BACKEND_EMU && !c->emu_lib) {
		char *target = kit_emu_lib_target(c->kit), why[400];
		snprintf(why, sizeof why, "emulated-only scenario, but libkvmemu.so is missing (run `make %s`)", target);
		free(target);
		judge_not_run(&r->v, CAUSE_GRADER_ERROR, why);
		return;
	}
	expect_get(&c->ex, r->sc, &spec, &r->exp);
	if (!r->exp.ok) {
		judge_not_run(&r->v, CAUSE_GRADER_ERROR, r->exp.why);
		return;
	}
	core_run(c, i, spec, g->build.binary, &r->exp, r);
}

void core_grading_free(struct grading *g)
{
	for (int i = 0; i < g->n; i++) {
		run_outcome_free(&g->res[i].run);
		expectation_free(&g->res[i].exp);
	}
	free(g->res);
	g->res = NULL;
	g->n = 0;
	free(g->order);
	g->order = NULL;
	free(g->diag);
	g->diag = NULL;
	g->ndiag = 0;
	build_result_free(&g->build);
}

void core_grade(struct core *c, struct grading *g)
{
	g->lab = c->lab.name;
	g->seed = c->seed;
	g->has_random = c->has_random;
	g->backend_desc = c->backend_desc;
	g->lab_dir = c->kit->lab;
	g->program = c->program;
	g->subset = c->subset;
	g->n = c->nsc;
	g->res = xmalloc((size_t)c->nsc * sizeof *g->res);
	memset(g->res, 0, (size_t)c->nsc * sizeof *g->res);
	for (int i = 0; i < c->nsc; i++) {
		grade_one(c, g, i);
		g->score += g->res[i].score;
		g->max += c->sc[i].points;
		g->grader_errors += g->res[i].v.grader_error;
	}
	/* lab.conf's warning_penalty: once per grading, never below 0. */
	if (!g->rejected && g->build.ok && g->build.warnings > 0) {
		g->penalty = c->lab.warning_penalty < g->score ? c->lab.warning_penalty : g->score;
		g->score -= g->penalty;
	}
	/* The lab's teaching order, then one diagnosis per root cause (diagnose.h). */
	g->order = diag_order(c->lab.order, g->res, g->n);
	diag_apply(&c->diag, g);
}

const char *core_layer(void)
{
	return box_layer();
}

const char *core_layer_kind(void)
{
	return box_layer_kind();
}
