/* checklab_report.c — check-lab's notes and printed report (checklab.h). */
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

/* ---- notes ------------------------------------------------------------- */

unsigned cl_be_bit(enum backend b)
{
	return 1u << b;
}

/* Records one line; the same text seen on another backend only widens its
 * mask, so a problem shows once however many backends it happens on. */
static void vnote(struct cl *c, enum severity sev, int env, unsigned mask, const char *fmt, va_list ap)
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
			c->note[i].env &= env;
			return;
		}
	c->note = xrealloc(c->note, (size_t)(c->nnote + 1) * sizeof *c->note);
	c->note[c->nnote++] = (struct note){ sev, env, mask, xstrdup(line) };
}

__attribute__((format(printf, 3, 4)))
void cl_error(struct cl *c, unsigned mask, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(c, SEV_ERROR, 0, mask, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
void cl_env_error(struct cl *c, unsigned mask, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(c, SEV_ERROR, 1, mask, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
void cl_warn(struct cl *c, unsigned mask, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(c, SEV_WARN, 0, mask, fmt, ap);
	va_end(ap);
}

int cl_count_notes(const struct cl *c, enum severity sev)
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
		all |= cl_be_bit(c->be[i]);
	out[0] = '\0';
	if (!mask || c->nbe < 2 || (mask & all) == all)
		return;
	snprintf(out, len, " (on %s)", (mask & cl_be_bit(BACKEND_KVM)) ? "kvm" : "emu");
}

void cl_print_notes(const struct cl *c, enum severity sev)
{
	for (int i = 0; i < c->nnote; i++) {
		if (c->note[i].sev != sev)
			continue;
		char sfx[32];
		mask_suffix(c, c->note[i].mask, sfx, sizeof sfx);
		printf("%s: %s%s\n", sev == SEV_ERROR ? "error" : "warning", c->note[i].text, sfx);
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
		if (cl_killed(cell)) {
			kills++;
			km |= cl_be_bit(c->col[k].be);
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
	return km & cl_be_bit(BACKEND_KVM) ? 'k' : 'e';
}

void cl_print_header(const struct cl *c)
{
	int random = 0;
	for (int s = 0; s < c->core.nsc; s++)
		random |= c->core.sc[s].random;
	printf("check-lab %s: %d scenarios, %d mutants; backend%s:", c->core.lab.name, c->core.nsc, c->nv - 2,
	       c->nbe > 1 ? "s" : "");
	for (int b = 0; b < c->nbe; b++)
		printf(" %s", backend_name(c->be[b]));
	printf("; sandbox: %s", core_layer());
	if (random)
		printf("; seed %lu", c->opt->seed);
	printf("; %d jobs\n", c->jobs);
	fflush(stdout);
}

static void print_legend(const struct cl *c)
{
	int w = 4;
	for (int s = 0; s < c->core.nsc; s++)
		w = (int)strlen(c->core.sc[s].name) > w ? (int)strlen(c->core.sc[s].name) : w;
	printf("\nkill matrix: X = the scenario kills the mutant, . = the mutant passes it%s\n",
	       c->nbe > 1 ? ", k/e = killed on kvm/emu only" : "");
	for (int s = 0; s < c->core.nsc; s++) {
		const struct scenario *sc = &c->core.sc[s];
		printf("  %3d  %-*s %3d pt  kills %2d  %s%s%s%s\n", s + 1, w, sc->name, sc->points,
		       cl_scenario_kills(c, s), sc->title, sc->emu_only ? "  [emulated-only]" : "",
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

void cl_print_matrix(const struct cl *c)
{
	int w = 0;
	for (int v = 0; v < c->nv; v++)
		w = (int)strlen(c->v[v].name) > w ? (int)strlen(c->v[v].name) : w;
	print_legend(c);
	putchar('\n');
	print_numbers(c->core.nsc, w + 2);
	for (int v = 0; v < c->nv; v++) {
		printf("%-*s  ", w, c->v[v].name);
		int n = 0;
		for (int s = 0; s < c->core.nsc; s++) {
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

/* How many columns the reference made an expectation on: what was checked. */
static int checked_columns(const struct cl *c)
{
	int n = 0;
	for (int k = 0; c->exp && k < c->ncol; k++)
		n += c->exp[k].ok;
	return n;
}

/* A run that compared nothing proves nothing: it fails, never says OK. */
static void check_something_checked(struct cl *c)
{
	if (cl_count_notes(c, SEV_ERROR))
		return;
	if (!c->core.nsc || !checked_columns(c)) {
		cl_error(c, 0, "nothing was checked: no scenario ran with an expectation on any backend");
		return;
	}
	for (int s = 0; s < c->core.nsc; s++) {
		int ok = 0;
		for (int k = 0; k < c->ncol; k++)
			ok |= c->col[k].sc == s && c->exp[k].ok;
		if (!ok)
			cl_error(c, 0, "%s: scenario %s was checked on no backend", c->core.sc[s].path,
				 c->core.sc[s].name);
	}
}

int cl_summary(struct cl *c, double t0)
{
	check_something_checked(c);
	int ne = cl_count_notes(c, SEV_ERROR), nw = cl_count_notes(c, SEV_WARN), pins = 0, max = 0, lab_errors = 0;
	for (int i = 0; i < c->nnote; i++)
		lab_errors += c->note[i].sev == SEV_ERROR && !c->note[i].env;
	for (int s = 0; s < c->core.nsc; s++) {
		pins += c->core.sc[s].pin_out || c->core.sc[s].pin_exit != EXIT_UNSET;
		max += c->core.sc[s].points;
	}
	cl_print_notes(c, SEV_WARN);
	cl_print_notes(c, SEV_ERROR);
	const char *lab = c->core.lab.name ? c->core.lab.name : c->kit.lab;
	if (ne)
		printf("check-lab %s: FAILED: %d error%s, %d warning%s (%.1f s)\n", lab, ne, ne == 1 ? "" : "s",
		       nw, nw == 1 ? "" : "s", now_s() - t0);
	else
		printf("check-lab %s: OK: the reference passes all %d scenarios (%d pinned), the skeleton "
		       "scores 0/%d, all %d mutants are killed (%d runs checked); %d warning%s (%.1f s)\n", lab,
		       c->core.nsc, pins, max, c->nv - 2, checked_columns(c), nw, nw == 1 ? "" : "s", now_s() - t0);
	fflush(stdout);
	/* A lab's error wins over the environment's: a wrong pin is never "environment". */
	return !ne ? 0 : lab_errors ? CL_EXIT_BAD_LAB : EXIT_SETUP;
}
