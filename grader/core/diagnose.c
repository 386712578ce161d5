/* diagnose.c — a lab's diagnosis rules: parsing, matching, applying (diagnose.h). */
#include "diagnose.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parsing ---------------------------------------------------------- */

static char *dup_n(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static int fail(char *err, size_t errlen, const char *path, int line, const char *what)
{
	snprintf(err, errlen, "%s:%d: %s", path, line, what);
	return -1;
}

/* The quoted string at the start of v ("..." with C escapes) → rule->arg;
 * *rest: what follows it. NULL, or what is wrong. */
static const char *take_quoted(const char *v, struct diag_rule *rule, const char **rest)
{
	if (*v != '"')
		return "expected a string in double quotes";
	const char *p = v + 1;
	while (*p && *p != '"')
		p += (*p == '\\' && p[1]) ? 2 : 1;
	if (*p != '"')
		return "unterminated string";
	char *q = dup_n(v, (size_t)(p - v) + 1);
	const char *why = NULL;
	rule->arg = unescape_c_quoted(q, &rule->arg_len, &why);
	free(q);
	if (!rule->arg)
		return why;
	if (rule->arg_len == 0 && rule->match != DM_STDOUT)   /* stdout "" is a program that printed nothing */
		return "the string is empty";
	*rest = p + 1;
	return NULL;
}

/* `match = ...` → rule. NULL, or what is wrong. */
static const char *parse_match(char *v, struct diag_rule *rule)
{
	const char *rest = "";
	if (!strncmp(v, "stderr", 6) && isspace((unsigned char)v[6])) {
		rule->match = DM_STDERR;
		const char *why = take_quoted(str_trim(v + 6), rule, &rest);
		if (why)
			return why;
	} else if (!strncmp(v, "stdout", 6) && isspace((unsigned char)v[6])) {
		rule->match = DM_STDOUT;
		const char *why = take_quoted(str_trim(v + 6), rule, &rest);
		if (why)
			return why;
	} else if (!strncmp(v, "stdout-max", 10) && isspace((unsigned char)v[10])) {
		rule->match = DM_STDOUT_MAX;
		unsigned long n;
		if (parse_ulong(str_trim(v + 10), 1UL << 30, &n) < 0)
			return "stdout-max needs a number of bytes";
		rule->delta = (long)n;
	} else if (!strncmp(v, "line", 4) && isspace((unsigned char)v[4])) {
		rule->match = DM_LINE;
		const char *why = take_quoted(str_trim(v + 4), rule, &rest);
		if (why)
			return why;
		char *d = str_trim((char *)rest);
		if (*d) {
			char *end;
			if (*d != '+' && *d != '-')
				return "line's number difference must be +N or -N";
			errno = 0;
			rule->delta = strtol(d, &end, 10);
			if (errno || *end || end == d + 1)
				return "line's number difference must be +N or -N";
			rule->has_delta = 1;
		}
		rest = "";
	} else if (!strcmp(v, "case-only")) {
		rule->match = DM_CASE_ONLY;
	} else if (!strcmp(v, "exit-error")) {
		rule->match = DM_EXIT_ERROR;
	} else {
		return "match must be stderr \"TEXT\", stdout \"TEXT\", stdout-max N, line \"PREFIX\" [+N], case-only or exit-error";
	}
	while (isspace((unsigned char)*rest))
		rest++;
	return *rest ? "unexpected text after the match" : NULL;
}

/* Sets key of rule (the block's `key = value`). NULL, or what is wrong. */
static const char *set_key(struct diag_rule *rule, const char *key, char *v, unsigned *seen)
{
	static const char *const keys[] = { "match", "symptom", "symptom-zh", "cause", "cause-zh", "see",
					    "see-zh", "min", "expect" };
	int k = -1;
	for (int i = 0; i < (int)(sizeof keys / sizeof *keys); i++)
		if (!strcmp(key, keys[i]))
			k = i;
	if (k < 0)
		return "unknown key";
	if (*seen & (1u << k))
		return "duplicate key";
	*seen |= 1u << k;
	if (!*v)
		return "empty value";
	char **text[] = { NULL, &rule->symptom, &rule->symptom_zh, &rule->cause, &rule->cause_zh, &rule->see,
			  &rule->see_zh };
	if (k == 0)
		return parse_match(v, rule);
	if (k == 7) {
		unsigned long n;
		if (parse_ulong(v, 100000, &n) < 0 || n == 0)
			return "min must be a whole number >= 1";
		rule->min = (int)n;
		return NULL;
	}
	if (k == 8)
		return exit_class_parse(v, &rule->expect) < 0 ? "expect must be 'success' or 'error'" : NULL;
	*text[k] = xstrdup(v);
	return NULL;
}

static int finish_rule(const struct diag_rule *rule, const char *path, int end, char *err, size_t errlen)
{
	char what[200];
	const char *missing = !rule->symptom ? "symptom" : !rule->cause ? "cause" : NULL;
	if ((rule->match == DM_STDERR || rule->match == DM_STDOUT || rule->match == DM_LINE) && !rule->arg)
		missing = "match";
	if (missing) {
		snprintf(what, sizeof what, "rule [%s]: missing required key '%s'", rule->name, missing);
		return fail(err, errlen, path, end, what);
	}
	return 0;
}

static void rule_free(struct diag_rule *r)
{
	free(r->name);
	free(r->arg);
	free(r->symptom);
	free(r->symptom_zh);
	free(r->cause);
	free(r->cause_zh);
	free(r->see);
	free(r->see_zh);
}

void diag_rules_free(struct diag_rules *d)
{
	for (int i = 0; i < d->n; i++)
		rule_free(&d->r[i]);
	free(d->r);
	d->r = NULL;
	d->n = 0;
}

/* One line of the file (comment cut), into out. 0, or -1 with err. */
static int parse_line(const char *path, int lineno, char *line, struct diag_rules *out, unsigned *seen,
		      char *err, size_t errlen)
{
	char *s = str_trim(line);
	if (!*s)
		return 0;
	if (*s == '[') {
		size_t n = strlen(s);
		if (s[n - 1] != ']' || n < 3)
			return fail(err, errlen, path, lineno, "expected `[name]`");
		if (out->n && finish_rule(&out->r[out->n - 1], path, lineno, err, errlen) < 0)
			return -1;
		out->r = xrealloc(out->r, (size_t)(out->n + 1) * sizeof *out->r);
		struct diag_rule *r = &out->r[out->n++];
		memset(r, 0, sizeof *r);
		r->name = dup_n(s + 1, n - 2);
		r->min = 2;
		r->match = DM_STDERR;
		r->line = lineno;
		*seen = 0;
		return 0;
	}
	if (!out->n)
		return fail(err, errlen, path, lineno, "a key before the first `[name]`");
	char *eq = strchr(s, '=');
	if (!eq)
		return fail(err, errlen, path, lineno, "expected `key = value`");
	*eq = '\0';
	char *key = str_trim(s);
	const char *why = set_key(&out->r[out->n - 1], key, str_trim(eq + 1), seen);
	if (why) {
		char what[300];
		snprintf(what, sizeof what, "%s: %s", key, why);
		return fail(err, errlen, path, lineno, what);
	}
	return 0;
}

int diag_parse(const char *path, const char *text, struct diag_rules *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	char *copy = xstrdup(text);
	unsigned seen = 0;
	int lineno = 0, rc = 0;
	for (char *line = copy, *next; line && *line && rc == 0; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		/* `#` starts a comment only at the start of a line: texts may hold '#'. */
		if (*str_trim(line) == '#')
			continue;
		rc = parse_line(path, lineno, line, out, &seen, err, errlen);
	}
	if (rc == 0 && out->n)
		rc = finish_rule(&out->r[out->n - 1], path, lineno ? lineno : 1, err, errlen);
	free(copy);
	if (rc < 0)
		diag_rules_free(out);
	return rc;
}

int diag_load(const char *path, struct diag_rules *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	size_t len;
	char *text = read_file(path, &len, 1 << 20);
	if (!text) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = memchr(text, '\0', len) ? fail(err, errlen, path, 1, "a NUL byte in the file")
					 : diag_parse(path, text, out, err, errlen);
	free(text);
	return rc;
}

/* ---- matching --------------------------------------------------------- */

/* A failure a diagnosis may cover: it ran and failed for the student's reason. */
static int failed(const struct sc_result *r)
{
	return r->ran && !r->v.pass && !r->v.grader_error;
}

static int case_only(const struct sc_result *r)
{
	const struct expectation *e = &r->exp;
	if (e->out_len != r->run.out_len || !memcmp(e->out, r->run.out, e->out_len))
		return 0;
	for (size_t i = 0; i < e->out_len; i++)
		if (tolower((unsigned char)e->out[i]) != tolower((unsigned char)r->run.out[i]))
			return 0;
	return 1;
}

/* The line of s starting at *pos (without its '\n'); advances *pos. */
static const char *next_line(const char *s, size_t len, size_t *pos, size_t *n)
{
	const char *p = s + *pos;
	const char *nl = memchr(p, '\n', len - *pos);
	*n = nl ? (size_t)(nl - p) : len - *pos;
	*pos += *n + (nl != NULL);
	return p;
}

/* Two differing lines, both "PREFIX<number>...": the rule's difference? */
static int line_pair_ok(const struct diag_rule *rule, const char *a, size_t an, const char *b, size_t bn)
{
	size_t k = rule->arg_len;
	if (an < k || bn < k || memcmp(a, rule->arg, k) || memcmp(b, rule->arg, k))
		return 0;
	if (!rule->has_delta)
		return 1;
	char x[32], y[32];
	if (an - k >= sizeof x || bn - k >= sizeof y)
		return 0;
	memcpy(x, a + k, an - k);
	x[an - k] = '\0';
	memcpy(y, b + k, bn - k);
	y[bn - k] = '\0';
	char *ex, *ey;
	errno = 0;
	long vx = strtol(x, &ex, 10), vy = strtol(y, &ey, 10);
	if (errno || ex == x || ey == y || *ex || *ey)
		return 0;
	return vy - vx == rule->delta;
}

static int only_lines(const struct diag_rule *rule, const struct sc_result *r)
{
	const char *e = r->exp.out, *g = r->run.out;
	size_t elen = r->exp.out_len, glen = r->run.out_len, ep = 0, gp = 0;
	int differs = 0;
	while (ep < elen || gp < glen) {
		if (ep >= elen || gp >= glen)
			return 0;   /* one output has lines the other lacks */
		size_t en, gn;
		const char *a = next_line(e, elen, &ep, &en), *b = next_line(g, glen, &gp, &gn);
		if (en == gn && !memcmp(a, b, en))
			continue;
		if (!line_pair_ok(rule, a, en, b, gn))
			return 0;
		differs = 1;
	}
	return differs;
}

int diag_matches(const struct diag_rule *rule, const struct sc_result *r)
{
	if (!failed(r) || (rule->expect != EXIT_UNSET && (!r->exp.ok || r->exp.cls != rule->expect)))
		return 0;
	switch (rule->match) {
	case DM_STDERR:
		return r->run.err && memmem(r->run.err, r->run.err_len, rule->arg, rule->arg_len) != NULL;
	case DM_STDOUT:
		return r->run.out_len == rule->arg_len && !memcmp(r->run.out, rule->arg, rule->arg_len);
	case DM_STDOUT_MAX:
		return r->run.out_len <= (size_t)rule->delta;
	case DM_CASE_ONLY:
		return r->exp.ok && case_only(r);
	case DM_LINE:
		return r->exp.ok && only_lines(rule, r);
	case DM_EXIT_ERROR:
		return r->exp.ok && r->exp.cls == EXIT_SUCCESS_CLASS && exit_class_of(&r->run) == EXIT_ERROR_CLASS;
	}
	return 0;
}

/* ---- applying --------------------------------------------------------- */

int *diag_order(const char *order, const struct sc_result *res, int n)
{
	int *idx = xmalloc((size_t)(n ? n : 1) * sizeof *idx);
	char *taken = xmalloc((size_t)(n ? n : 1));
	memset(taken, 0, (size_t)(n ? n : 1));
	int k = 0;
	for (const char *p = order ? order : ""; *p;) {
		p += strspn(p, " \t");
		size_t len = strcspn(p, " \t");
		for (int i = 0; len && i < n; i++)
			if (!taken[i] && strlen(res[i].sc->name) == len && !memcmp(res[i].sc->name, p, len)) {
				taken[i] = 1;
				idx[k++] = i;
			}
		p += len;
	}
	for (int i = 0; i < n; i++)
		if (!taken[i])
			idx[k++] = i;
	free(taken);
	return idx;
}

void diag_apply(const struct diag_rules *rules, struct grading *g)
{
	g->diag = NULL;
	g->ndiag = 0;
	if (!rules || !rules->n || !g->n)
		return;
	int *pick = xmalloc((size_t)g->n * sizeof *pick);
	for (int ri = 0; ri < rules->n; ri++) {
		const struct diag_rule *rule = &rules->r[ri];
		int n = 0;
		for (int k = 0; k < g->n; k++) {
			int i = g->order ? g->order[k] : k;
			if (!g->res[i].diag && diag_matches(rule, &g->res[i]))
				pick[n++] = i;
		}
		if (n < rule->min)
			continue;
		g->diag = xrealloc(g->diag, (size_t)(g->ndiag + 1) * sizeof *g->diag);
		g->diag[g->ndiag++] = (struct diag_hit){ .rule = rule, .n = n, .first = pick[0] };
		for (int j = 0; j < n; j++)
			g->res[pick[j]].diag = g->ndiag;
	}
	free(pick);
}
