/* checklab_runs.c — check-lab's runs and the kills they show (checklab.h). */
#include "checklab.h"
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

/* ---- running ------------------------------------------------------------- */

/* Column k run exactly as grading runs its scenario on its backend. */
static struct run_spec spec_for(const struct cl *c, int k)
{
	return core_spec(&c->core, c->col[k].sc, c->col[k].be);
}

/* The backend of column k for notes: none for emulated-only scenarios,
 * which run on emu whatever is being checked. */
unsigned cl_col_mask(const struct cl *c, int k)
{
	return c->core.sc[c->col[k].sc].emu_only ? 0 : cl_be_bit(c->col[k].be);
}

/* A reference run that is neither success nor error makes no expectation. */
static void reference_ending(struct cl *c, int k)
{
	const struct scenario *sc = &c->core.sc[c->col[k].sc];
	const struct run_outcome *o = &c->ref[k];
	char ended[300];
	describe_end(o, ended, sizeof ended);
	unsigned m = cl_col_mask(c, k);
	if (o->end == END_TIMEOUT && o->over_insns)
		cl_error(c, m, "%s: reference used its budget of %lu guest instructions on scenario %s: "
			 "the guest never halts, or raise `insn-budget` (KVMEMU_INSN_COUNT=1 says what a "
			 "run takes)", sc->path, o->insn_budget, sc->name);
	else if (o->end == END_TIMEOUT)
		cl_error(c, m, "%s: reference timed out on scenario %s: the guest never halts? (limit %g s)",
			 sc->path, sc->name, o->timeout_s);
	else if (o->end == END_FLOOD)
		cl_error(c, m, "%s: reference flooded stdout on scenario %s: the guest never halts? (more than "
			 "%zu bytes)", sc->path, sc->name, o->out_cap);
	else if (o->end == END_EXITED && o->code >= 1 && o->code <= 125)
		cl_error(c, m, "%s: reference exited %d with nothing on stderr on scenario %s: an error must "
			 "come with a message", sc->path, o->code, sc->name);
	else
		cl_error(c, m, "%s: reference %s on scenario %s: it must exit 0, or 1-125 with a message",
			 sc->path, ended, sc->name);
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
	const struct scenario *sc = &c->core.sc[s];
	const struct run_outcome *o = &c->ref[k];
	unsigned m = cl_col_mask(c, k);
	if (sc->pin_exit != EXIT_UNSET && sc->pin_exit != cls) {
		char ended[300];
		describe_end(o, ended, sizeof ended);
		cl_error(c, m, "%s:%d: expect-exit is %s, but the reference ends with %s (%s) on scenario %s",
			 sc->path, scenario_key_line(&c->core.sc[s], "expect-exit"), exit_class_word(sc->pin_exit),
			 exit_class_word(cls), ended, sc->name);
	}
	size_t at = sc->pin_out ? first_diff(sc->pin_out, sc->pin_out_len, o->out, o->out_len) : NO_DIFF;
	if (at != NO_DIFF) {
		struct buf b = {0};
		one_line_diff(&b, sc->pin_out, sc->pin_out_len, o->out, o->out_len, at);
		cl_error(c, m, "%s:%d: expect-stdout differs from the reference's stdout on scenario %s, %s",
			 sc->path, scenario_key_line(&c->core.sc[s], "expect-stdout"), sc->name, buf_str(&b));
		buf_free(&b);
	}
}

/* What grading expects (expect.c: the reference's run, pins taking
 * precedence), then the reference judged against it like anyone else. */
static void reference_column(struct cl *c, int k)
{
	const struct scenario *sc = &c->core.sc[c->col[k].sc];
	struct run_outcome *o = &c->ref[k];
	struct expectation *e = &c->exp[k];
	struct cell *cell = CELL(c, 0, k);
	cell->ran = 1;
	if (o->end == END_SANDBOX) {
		cell->grader_error = 1;
		cl_env_error(c, 0, "sandbox failure running the reference on scenario %s: %s", sc->name, o->diag);
		return;
	}
	enum exit_class cls = exit_class_of(o);
	if (cls == EXIT_UNSET) {
		reference_ending(c, k);
		return;
	}
	check_pins(c, k, cls);
	/* As expect_get() makes it from the reference's run: pins first. */
	e->ok = 1;
	e->cls = cls;
	e->source = "reference";
	e->out_len = o->out_len;
	e->out = xmalloc(e->out_len + 1);
	memcpy(e->out, o->out, e->out_len);
	e->out[e->out_len] = '\0';
	expect_apply_pins(sc, e);
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
		const struct scenario *sc = &c->core.sc[c->col[k].sc];
		size_t at = first_diff(a->out, a->out_len, b->out, b->out_len);
		if (at != NO_DIFF || exit_class_of(a) != exit_class_of(b))
			cl_warn(c, 0, "%s: the reference ends differently on %s and %s on scenario %s (%s): "
				"kvmemu and KVM disagree here", sc->path, backend_name(c->col[k - 1].be),
				backend_name(c->col[k].be), sc->name,
				at != NO_DIFF ? "stdout differs" : "exit class differs");
	}
}

void cl_run_reference(struct cl *c)
{
	c->ref = cl_zalloc((size_t)c->ncol * sizeof *c->ref);
	c->exp = cl_zalloc((size_t)c->ncol * sizeof *c->exp);
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
	struct sc_result r = {0};
	core_run(&c->core, c->col[k].sc, spec_for(c, k), c->build[v].bin, &c->exp[k], &r);
	cell->pass = r.v.pass;
	cell->grader_error = r.v.grader_error;
	snprintf(cell->cause, sizeof cell->cause, "%s", r.v.cause);
	cell->ran = 1;
	run_outcome_free(&r.run);
}

void cl_run_others(struct cl *c)
{
	cl_parallel(c, (c->nv - 1) * c->ncol, run_job);
	for (int v = 1; v < c->nv; v++)
		for (int k = 0; k < c->ncol; k++) {
			const struct cell *cell = CELL(c, v, k);
			const char *sc = c->core.sc[c->col[k].sc].name;
			if (c->build[v].ok && c->exp[k].ok && !cell->ran) {
				cl_env_error(c, 0, "%s was not run on scenario %s: a check-lab worker died", c->v[v].name, sc);
			} else if (cell->ran && cell->grader_error) {
				cl_env_error(c, cl_col_mask(c, k), "%s on scenario %s: %s", c->v[v].name, sc, cell->cause);
			}
		}
}

/* ---- verdicts on the suite -------------------------------------------- */

int cl_killed(const struct cell *cell)
{
	return cell->ran && !cell->grader_error && !cell->pass;
}

/* Does column k take part in grading on backend b? Emulated-only scenarios
 * run on emu whatever the backend. */
static int in_profile(const struct cl *c, int k, enum backend b)
{
	return c->core.sc[c->col[k].sc].emu_only || c->col[k].be == b;
}

static void check_skeleton(struct cl *c)
{
	for (int k = 0; k < c->ncol; k++) {
		const struct cell *cell = CELL(c, 1, k);
		const struct scenario *sc = &c->core.sc[c->col[k].sc];
		if (!cell->ran || cell->grader_error || !cell->pass)
			continue;
		if (sc->points)
			cl_error(c, cl_col_mask(c, k), "%s: the untouched skeleton passes scenario %s (%d point%s): "
				 "it must score 0", c->v[1].file, sc->name, sc->points, sc->points == 1 ? "" : "s");
		else
			cl_warn(c, cl_col_mask(c, k), "%s: the untouched skeleton passes scenario %s (0 points)",
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
	for (int s = 0; s < c->core.nsc; s++) {
		int hit = 0;
		for (int k = 0; k < c->ncol; k++)
			hit |= c->col[k].sc == s && in_profile(c, k, b) && cl_killed(CELL(c, v, k));
		if (!hit)
			continue;
		buf_addf(&list, "%s%s", n++ ? ", " : "", c->core.sc[s].name);
		strong += !c->core.sc[s].random && !c->core.sc[s].emu_only;
	}
	if (!n)
		cl_error(c, cl_be_bit(b), "%s: mutant %s survives every scenario: none tells \"%s\" from the "
			 "reference", m->file, m->name, m->desc);
	else if (!strong)
		cl_warn(c, cl_be_bit(b), "%s: mutant %s is killed only by randomized or emulated-only scenarios (%s)",
			m->file, m->name, buf_str(&list));
	buf_free(&list);
}

int cl_scenario_kills(const struct cl *c, int s)
{
	int n = 0;
	for (int v = 2; v < c->nv; v++) {
		int hit = 0;
		for (int k = 0; k < c->ncol; k++)
			hit |= c->col[k].sc == s && cl_killed(CELL(c, v, k));
		n += hit;
	}
	return n;
}

void cl_check_kills(struct cl *c)
{
	check_skeleton(c);
	for (int v = 2; v < c->nv; v++)
		if (c->build[v].ok)
			for (int b = 0; b < c->nbe; b++)
				check_mutant(c, v, c->be[b]);
	for (int s = 0; s < c->core.nsc && c->nv > 2; s++) {
		int ran = 0;
		for (int k = 0; k < c->ncol; k++)
			ran |= c->col[k].sc == s && c->exp[k].ok;
		if (ran && !cl_scenario_kills(c, s))
			cl_warn(c, 0, "%s: scenario %s kills no mutant: no mistake in labs/%s/mutants/ shows there",
				c->core.sc[s].path, c->core.sc[s].name, c->kit.lab);
	}
}


/* ---- can a backend run the lab at all? ---------------------------------- */

/* Does run o meet sc's pins? Only what is pinned is compared: a scenario
 * pinning only its exit class says nothing of stdout. */
static int meets_pins(const struct scenario *sc, const struct run_outcome *o)
{
	enum exit_class cls = exit_class_of(o);
	if (cls == EXIT_UNSET)
		return 0;
	if (sc->pin_exit != EXIT_UNSET && sc->pin_exit != cls)
		return 0;
	return !sc->pin_out || first_diff(sc->pin_out, sc->pin_out_len, o->out, o->out_len) == NO_DIFF;
}

/* How the reference ran on backend be: the pinned scenarios it was tried
 * on, how many it met the pins of, the first failure described in why.
 * A sandbox failure says nothing of the backend: it counts as met (the
 * reference column reports it). */
struct trial {
	int tried, met;
	char why[400];
};

static void try_backend(struct cl *c, enum backend be, struct trial *t)
{
	memset(t, 0, sizeof *t);
	for (int s = 0; s < c->core.nsc; s++) {
		const struct scenario *sc = &c->core.sc[s];
		if (sc->emu_only || (!sc->pin_out && sc->pin_exit == EXIT_UNSET))
			continue;
		struct run_spec spec = core_spec(&c->core, s, be);
		spec.binary = c->build[0].bin;
		struct run_outcome o;
		run_vmm(&spec, &o);
		t->tried++;
		if (o.end == END_SANDBOX || meets_pins(sc, &o)) {
			t->met++;
		} else if (!t->why[0]) {
			char ended[300];
			describe_end(&o, ended, sizeof ended);
			const char *nl = o.err ? strchr(o.err, '\n') : NULL;
			snprintf(t->why, sizeof t->why, "%s: %s%s%.*s%s", sc->name, ended, o.err_len ? ", stderr \"" : "",
				 o.err_len ? (int)(nl ? nl - o.err : (long)o.err_len) : 0, o.err ? o.err : "",
				 o.err_len ? "\"" : "");
		}
		run_outcome_free(&o);
		if (t->met)   /* one met pin shows the backend runs the lab */
			return;
	}
}

/* A backend on which the reference meets none of the pins it meets on
 * another can't run the lab (kvmemu before it learnt mem_lab's long mode):
 * that backend is an error of the grader's environment (exit 2), since
 * both backends should run every lab, and its columns are left out so they
 * don't bury the report. When the reference meets no pin on any backend,
 * the pins (or the reference) are wrong: the lab's error, reported at
 * file:line by the reference's columns; the backends stay. -1 when no
 * backend is left. */
int cl_qualify_backends(struct cl *c)
{
	struct trial t[2];
	int any_met = 0, any_tried = 0;
	for (int b = 0; b < c->nbe; b++) {
		try_backend(c, c->be[b], &t[b]);
		any_met |= t[b].met > 0;
		any_tried |= t[b].tried > 0;
	}
	if (any_tried && !any_met) {
		cl_error(c, 0, "the reference meets none of the pins of the %d pinned scenarios on %s (%s): the pins "
			 "or the reference are wrong (each pin it misses is listed at file:line)", t[0].tried,
			 c->nbe > 1 ? "any backend" : backend_name(c->be[0]), t[0].why);
		return 0;
	}
	int kept = 0;
	for (int b = 0; b < c->nbe; b++) {
		if (!t[b].tried || t[b].met) {
			c->be[kept++] = c->be[b];
			continue;
		}
		const char *be = backend_name(c->be[b]);
		cl_env_error(c, 0, "%s can't run this lab: the reference meets none of the %d pinned scenarios "
			     "there (%s), though it meets them on the other backend; nothing is checked on %s, "
			     "and grading on %s would be a grader error", be, t[b].tried, t[b].why, be, be);
	}
	c->nbe = kept;
	return kept ? 0 : -1;
}
