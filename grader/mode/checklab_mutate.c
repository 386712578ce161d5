/*
 * checklab_mutate.c — `grade --check-lab --mutate` (`make mutate LAB=x`):
 * mutants nobody wrote. Small mutation operators are applied, one at a
 * time, to each line of the reference's student code (splice = label: the
 * handler body; splice = regions: the TODO region bodies), each result is
 * built and run on the scenarios, judged as grading judges, until one kills
 * it. A survivor is a mistake no scenario shows: add a scenario, or record
 * it in labs/<lab>/equivalent-mutants when it can't change what any program
 * prints (one line per mutant: the reference's line and the mutant's, both
 * trimmed, as `reference-line  =>  mutant-line`; `#` comments).
 *
 * The operators (no Debian package does C mutation; this set covers the
 * mistakes the hand-written mutants show):
 *   del   delete a statement (a line ending in `;`)
 *   neg   negate a condition: if (X) -> if (!(X)), same for while
 *   drop  drop a condition: if (X) -> if (1) and if (0)
 *   obo   off by one: an integer constant N -> N+1, N-1; < <=, > >= swapped
 *   cmp   == and != swapped
 *   ari   + and - swapped, * and / swapped
 *   bit   & and |, << and >>, && and || swapped
 *   mask  one operand of a | chain dropped (a flag left out of a mask)
 * A mutant that does not compile, or whose text is another's, is not one.
 */
#include "checklab.h"
#include "splice.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One candidate: the reference with line `line` replaced by `text`. */
struct gen {
	int line;
	const char *op;
	char *orig, *text;   /* the line before and after, without newline */
};

struct gens {
	struct gen *g;
	int n;
};

/* The line orig[0..olen) with [cut0, cut1) replaced by mid. */
static void add(struct gens *gs, int line, const char *op, const char *orig, size_t olen,
		size_t cut0, const char *mid, size_t cut1)
{
	char *t = xasprintf("%.*s%s%.*s", (int)cut0, orig, mid, (int)(olen - cut1), orig + cut1);
	if (!strncmp(t, orig, olen) && strlen(t) == olen) {
		free(t);
		return;
	}
	gs->g = xrealloc(gs->g, (size_t)(gs->n + 1) * sizeof *gs->g);
	gs->g[gs->n++] = (struct gen){ line, op, xasprintf("%.*s", (int)olen, orig), t };
}

/* s without its leading and trailing blanks, malloc'd. */
static char *trim_dup(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return xasprintf("%.*s", (int)n, s);
}

/* Token kinds of the little lexer: enough to find operators and numbers
 * outside strings, characters and comments. */
static size_t skip_literal(const char *s, size_t i, size_t n)
{
	char q = s[i++];
	while (i < n && s[i] != q)
		i += s[i] == '\\' ? 2 : 1;
	return i < n ? i + 1 : n;
}

/* The operators swapped, longest first. */
static const struct { const char *from, *to, *op; } swaps[] = {
	{ "<<=", NULL, NULL }, { ">>=", NULL, NULL },
	{ "==", "!=", "cmp" }, { "!=", "==", "cmp" }, { "<=", "<", "obo" }, { ">=", ">", "obo" },
	{ "&&", "||", "bit" }, { "||", "&&", "bit" }, { "<<", ">>", "bit" }, { ">>", "<<", "bit" },
	{ "->", NULL, NULL }, { "++", NULL, NULL }, { "--", NULL, NULL }, { "+=", "-=", "ari" },
	{ "-=", "+=", "ari" }, { "|=", "&=", "bit" }, { "&=", "|=", "bit" },
	{ "<", "<=", "obo" }, { ">", ">=", "obo" }, { "+", "-", "ari" }, { "-", "+", "ari" },
	{ "*", NULL, NULL },   /* a pointer's star as often as a product: not swapped */
	{ "/", "*", "ari" }, { "&", "|", "bit" }, { "|", "&", "bit" },
};

/* `|` operands: an identifier or number right before/after a lone `|`. */
static void mask_drops(struct gens *gs, int ln, const char *s, size_t n, size_t at)
{
	/* left operand: [l0, at) without blanks; right: (at, r1] */
	size_t l1 = at, r0 = at + 1;
	while (l1 > 0 && s[l1 - 1] == ' ')
		l1--;
	size_t l0 = l1;
	while (l0 > 0 && (isalnum((unsigned char)s[l0 - 1]) || s[l0 - 1] == '_'))
		l0--;
	while (r0 < n && s[r0] == ' ')
		r0++;
	size_t r1 = r0;
	while (r1 < n && (isalnum((unsigned char)s[r1]) || s[r1] == '_'))
		r1++;
	if (l0 == l1 || r0 == r1)
		return;
	char *right = xasprintf("%.*s", (int)(r1 - r0), s + r0), *left = xasprintf("%.*s", (int)(l1 - l0), s + l0);
	add(gs, ln, "mask", s, n, l0, right, r1);   /* drop the left operand */
	add(gs, ln, "mask", s, n, l0, left, r1);    /* drop the right one */
	free(right);
	free(left);
}

/* if (X) / while (X): the condition's parentheses. */
static void conditions(struct gens *gs, int ln, const char *s, size_t n, size_t i)
{
	size_t kw = !strncmp(s + i, "if", 2) ? 2 : !strncmp(s + i, "while", 5) ? 5 : 0;
	if (!kw || (i && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_')))
		return;
	size_t p = i + kw;
	while (p < n && s[p] == ' ')
		p++;
	if (p >= n || s[p] != '(' || isalnum((unsigned char)s[i + kw]))
		return;
	int depth = 0;
	size_t q = p;
	for (; q < n; q++) {
		if (s[q] == '"' || s[q] == '\'') {
			q = skip_literal(s, q, n) - 1;
			continue;
		}
		depth += s[q] == '(';
		depth -= s[q] == ')';
		if (!depth)
			break;
	}
	if (q >= n)
		return;   /* a condition over several lines: left alone */
	char *cond = xasprintf("(!%.*s)", (int)(q - p + 1), s + p);
	add(gs, ln, "neg", s, n, p, cond, q + 1);
	free(cond);
	add(gs, ln, "drop", s, n, p, "(1)", q + 1);
	add(gs, ln, "drop", s, n, p, "(0)", q + 1);
}

/* Every mutant of one line s[0..n) of the reference (line ln). */
static void mutate_line(struct gens *gs, int ln, const char *s, size_t n, int *in_comment)
{
	size_t b = 0;
	while (b < n && isspace((unsigned char)s[b]))
		b++;
	if (b == n || s[b] == '#')
		return;   /* blank, or the preprocessor's */
	size_t e = n;
	while (e > b && isspace((unsigned char)s[e - 1]))
		e--;
	if (!*in_comment && s[e - 1] == ';' && strncmp(s + b, "//", 2))
		add(gs, ln, "del", s, n, b, "", n);
	for (size_t i = b; i < n;) {
		if (*in_comment) {
			const char *end = strstr(s + i, "*/");
			if (!end || (size_t)(end - s) >= n)
				return;
			*in_comment = 0;
			i = (size_t)(end - s) + 2;
			continue;
		}
		if (!strncmp(s + i, "//", 2))
			return;
		if (!strncmp(s + i, "/*", 2)) {
			*in_comment = 1;
			i += 2;
			continue;
		}
		if (s[i] == '"' || s[i] == '\'') {
			i = skip_literal(s, i, n);
			continue;
		}
		if (isalpha((unsigned char)s[i]) || s[i] == '_') {
			conditions(gs, ln, s, n, i);
			while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
				i++;
			continue;
		}
		if (isdigit((unsigned char)s[i])) {
			char *end;
			unsigned long long v = strtoull(s + i, &end, 0);
			size_t j = (size_t)(end - s);
			while (j < n && (isalnum((unsigned char)s[j])))
				j++;   /* suffixes: 1u, 4096UL */
			int hex = s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
			char up[40], down[40];
			snprintf(up, sizeof up, hex ? "%#llx" : "%llu", v + 1);
			snprintf(down, sizeof down, hex ? "%#llx" : "%llu", v - 1);
			add(gs, ln, "obo", s, n, i, up, j);
			if (v)
				add(gs, ln, "obo", s, n, i, down, j);
			i = j;
			continue;
		}
		size_t k = 0;
		while (k < sizeof swaps / sizeof *swaps && strncmp(s + i, swaps[k].from, strlen(swaps[k].from)))
			k++;
		if (k == sizeof swaps / sizeof *swaps) {
			i++;
			continue;
		}
		size_t len = strlen(swaps[k].from);
		/* a unary - or & (a negative number, an address) is no operator to swap */
		int binary = 1;
		if (len == 1 && (s[i] == '-' || s[i] == '&' || s[i] == '+')) {
			size_t p = i;
			while (p > b && s[p - 1] == ' ')
				p--;
			binary = p > b && (isalnum((unsigned char)s[p - 1]) || s[p - 1] == '_' || s[p - 1] == ')' ||
					   s[p - 1] == ']');
		}
		if (swaps[k].to && binary)
			add(gs, ln, swaps[k].op, s, n, i, swaps[k].to, i + len);
		if (len == 1 && s[i] == '|' && binary)
			mask_drops(gs, ln, s, n, i);
		i += len;
	}
}

/* The spans of the reference students write: [start, end) pairs. */
static int student_spans(struct cl *c, const char *ref, size_t *start, size_t *end, int max)
{
	const char *why;
	if (c->core.lab.splice == SPLICE_LABEL) {
		return splice_span(ref, c->core.lab.splice_label, &start[0], &end[0], &why) == 0 ? 1 : 0;
	}
	struct splice_region r[SPLICE_MAX_REGIONS];
	int n;
	if (splice_regions(ref, r, SPLICE_MAX_REGIONS, &n, &why) < 0)
		return 0;
	for (int i = 0; i < n && i < max; i++) {
		start[i] = r[i].start;
		end[i] = r[i].end;
	}
	return n < max ? n : max;
}

static int line_of(const char *s, size_t off)
{
	int line = 1;
	for (size_t i = 0; i < off; i++)
		line += s[i] == '\n';
	return line;
}

/* The reference with line ln (1-based) replaced by text. */
static char *replace_line(const char *ref, int ln, const char *text)
{
	const char *p = ref;
	for (int l = 1; l < ln && p; l++)
		p = strchr(p, '\n'), p = p ? p + 1 : NULL;
	if (!p)
		return NULL;
	const char *e = strchr(p, '\n');
	e = e ? e : p + strlen(p);
	return xasprintf("%.*s%s%s", (int)(p - ref), ref, text, e);
}

/* labs/<lab>/equivalent-mutants: is "orig => text" recorded? */
static int recorded(const char *list, const char *orig, const char *text)
{
	char *a = trim_dup(orig), *b = trim_dup(text);
	char *w = xasprintf("%s  =>  %s", a, b), *want = trim_dup(w);   /* a deletion ends in "=>" */
	free(w);
	int hit = 0;
	for (const char *l = list; l && *l && !hit;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char *line = xasprintf("%.*s", (int)len, l), *t = trim_dup(line);
		hit = *t != '#' && !strcmp(t, want);
		free(line);
		free(t);
		l = nl ? nl + 1 : l + len;
	}
	free(a);
	free(b);
	free(want);
	return hit;
}

char *cl_equivalents_path(const struct cl *c)
{
	return xasprintf("labs/%s/equivalent-mutants", c->kit.lab);
}

/* Adds every generated mutant of the reference ref to c->v, those recorded
 * as equivalent left out (counted in c->equivalent). */
void cl_generate_mutants(struct cl *c, const char *ref, const char *solpath)
{
	size_t st[SPLICE_MAX_REGIONS], en[SPLICE_MAX_REGIONS];
	int ns = student_spans(c, ref, st, en, SPLICE_MAX_REGIONS);
	if (!ns) {
		cl_error(c, 0, "%s: no student code to mutate (the lab's splice rule finds none)", solpath);
		return;
	}
	char *eqp = cl_equivalents_path(c);
	char *eq = read_file(eqp, NULL, 1 << 20);
	struct gens gs = {0};
	for (int r = 0; r < ns; r++) {
		int in_comment = 0;
		for (size_t p = st[r]; p < en[r];) {
			const char *nl = memchr(ref + p, '\n', en[r] - p);
			size_t n = nl ? (size_t)(nl - (ref + p)) : en[r] - p;
			mutate_line(&gs, line_of(ref, p), ref + p, n, &in_comment);
			p += n + 1;
		}
	}
	int made = 0;
	for (int i = 0; i < gs.n; i++) {
		struct gen *g = &gs.g[i];
		char *src = replace_line(ref, g->line, g->text);
		int dup = 0;
		for (int v = 2; v < c->nv && !dup; v++)
			dup = c->v[v].line == g->line && !strcmp(c->v[v].mut_text, g->text);
		if (!src || dup) {
			free(src);
		} else if (recorded(eq, g->orig, g->text)) {
			c->equivalent++;
			free(src);
		} else {
			char *name = xasprintf("%s%03d", g->op, ++made);
			char *d = xasprintf("%s/src/%s", c->core.workdir, name), *path = path_join(d, c->core.lab.source);
			char *desc = xasprintf("line %d: %s", g->line, g->op);
			mkdir_p(d, 0755);
			if (c->mutants_out) {   /* --write-mutants: each as compiled */
				char *out = xasprintf("%s/%s.c", c->mutants_out, name);
				if (mkdir_p(c->mutants_out, 0755) < 0 || write_atomic(out, src, strlen(src), 0644) < 0)
					cl_warn(c, 0, "cannot write %s", out);
				free(out);
			}
			if (write_atomic(path, src, strlen(src), 0644) == 0) {
				c->v = xrealloc(c->v, (size_t)(c->nv + 1) * sizeof *c->v);
				c->v[c->nv++] = (struct vmm){ .kind = V_MUTANT, .generated = 1, .name = name,
							      .file = xstrdup(solpath), .desc = desc, .src = path,
							      .line = g->line, .mut_orig = g->orig, .mut_text = g->text };
				g->orig = g->text = NULL;
				name = desc = path = NULL;
			}
			free(name);
			free(desc);
			free(path);
			free(d);
			free(src);
		}
		free(g->orig);
		free(g->text);
	}
	free(gs.g);
	free(eq);
	free(eqp);
}

/* One generated mutant on the columns until one kills it (the rest aren't
 * needed: only survivors matter, and they run everywhere). */
static void mutant_job(struct cl *c, int j)
{
	int v = 2 + j;
	if (!c->build[v].ok)
		return;
	for (int k = 0; k < c->ncol; k++) {
		if (!c->exp[k].ok)
			continue;
		struct cell *cell = CELL(c, v, k);
		struct sc_result r = {0};
		core_run(&c->core, c->col[k].sc, core_spec(&c->core, c->col[k].sc, c->col[k].be), c->build[v].bin,
			 &c->exp[k], &r);
		cell->pass = r.v.pass;
		cell->grader_error = r.v.grader_error;
		cell->ran = 1;
		run_outcome_free(&r.run);
		if (cl_killed(cell))
			return;
	}
}

/* Runs the generated mutants and reports: killed, stillborn (did not
 * compile), equivalent (recorded), survivors with their diff (errors). */
void cl_run_generated(struct cl *c)
{
	cl_parallel(c, c->nv - 2, mutant_job);
	int killed = 0, stillborn = 0, survived = 0, graderr = 0;
	char *eqp = cl_equivalents_path(c);
	for (int v = 2; v < c->nv; v++) {
		const struct vmm *m = &c->v[v];
		if (!c->build[v].ok) {
			stillborn++;
			continue;
		}
		int kill = 0, err = 0;
		for (int k = 0; k < c->ncol; k++) {
			kill |= cl_killed(CELL(c, v, k));
			err |= CELL(c, v, k)->grader_error;
		}
		if (kill) {
			killed++;
		} else if (err) {
			graderr++;
		} else {
			survived++;
			char *a = trim_dup(m->mut_orig), *b = trim_dup(m->mut_text);
			printf("survivor %s (%s:%d, %s):\n  - %s\n  + %s\n", m->name, m->file, m->line, m->desc, a, b);
			cl_error(c, 0, "%s:%d: mutant %s survives every scenario: `%s` became `%s` and no scenario "
				 "tells (add a scenario, or record `%s  =>  %s` in %s if it is equivalent)", m->file,
				 m->line, m->name, a, b, a, b, eqp);
			free(a);
			free(b);
		}
	}
	if (graderr)
		cl_env_error(c, 0, "%d generated mutant(s) hit a grader error on every scenario they ran", graderr);
	printf("\nmutate %s: %d generated mutants: %d killed, %d survive, %d did not compile, %d recorded as "
	       "equivalent (%s)\n", c->kit.lab, c->nv - 2, killed, survived, stillborn,
	       c->equivalent, eqp);
	free(eqp);
}
