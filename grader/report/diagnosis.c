/* diagnosis.c — the lab's diagnoses that fired (diagnose.h), said once at
 * the top of a report: the symptom and how many scenarios show it, the
 * likely cause, where to read (report.h). */
#include "diagnose.h"
#include "lang.h"
#include "report.h"

#include <string.h>

/* The rule's text in the report's language: the -zh one when asked and written. */
static const char *pick(const char *en, const char *zh)
{
	return lang_get() == LANG_ZH && zh ? zh : en;
}

/* The first covered scenario a student may see by name (never a hidden one). */
static const struct sc_result *first_public(const struct grading *g, int hit)
{
	for (int k = 0; k < g->n; k++) {
		const struct sc_result *r = &g->res[g->order ? g->order[k] : k];
		if (r->diag == hit + 1 && !r->sc->hidden)
			return r;
	}
	return NULL;
}

/* How many scenarios show hit i that who may know of. */
static int hits_for(const struct grading *g, int i, enum audience who)
{
	if (who == FOR_TA)
		return g->diag[i].n;
	int n = 0;
	for (int k = 0; k < g->n; k++)
		n += g->res[k].diag == i + 1 && !g->res[k].sc->hidden;
	return n;
}

void report_diagnoses(struct buf *b, const struct grading *g, enum audience who)
{
	for (int i = 0; i < g->ndiag; i++) {
		const struct diag_hit *h = &g->diag[i];
		const struct diag_rule *rule = h->rule;
		int n = hits_for(g, i, who);
		if (n == 0)
			continue;
		buf_addf(b, T("diagnosis: %s, in %d of %d scenarios", "诊断：%s，%d/%d 个测例"),
			 pick(rule->symptom, rule->symptom_zh), n, g->n);
		const struct sc_result *first = first_public(g, i);
		if (first)
			buf_addf(b, T(" (first in `%s`)", "（第一个是 `%s`）"), first->sc->name);
		buf_addc(b, '\n');
		buf_addf(b, T("  likely cause: %s\n", "  可能的原因：%s\n"), pick(rule->cause, rule->cause_zh));
		if (rule->see)
			buf_addf(b, T("  read: %s\n", "  参阅：%s\n"), pick(rule->see, rule->see_zh));
	}
}

void report_diagnosed(struct buf *b, const struct grading *g, const struct sc_result *r, const char *indent)
{
	const struct diag_rule *rule = g->diag[r->diag - 1].rule;
	buf_addf(b, T("%s(%s: the diagnosis at the top)\n", "%s（%s：见报告开头的诊断）\n"), indent,
		 pick(rule->symptom, rule->symptom_zh));
	/* A symptom in stdout: where it shows in this scenario (a line, a letter). */
	if ((rule->match == DM_LINE || rule->match == DM_CASE_ONLY || rule->match == DM_STDOUT) && r->exp.ok &&
	    r->v.diff_at != NO_DIFF)
		diff_report(b, indent, r->exp.out, r->exp.out_len, r->run.out, r->run.out_len, r->v.diff_at);
}

int report_hint_applies(const struct sc_result *r)
{
	switch (r->sc->hint_on) {
	case HINT_ON_EXIT:
		return r->v.code != CAUSE_WRONG_OUTPUT;
	case HINT_ON_OUTPUT:
		return r->v.code == CAUSE_WRONG_OUTPUT || r->v.diff_at != NO_DIFF;
	case HINT_ON_ANY:
		break;
	}
	return 1;
}

const char *report_title(const struct scenario *sc)
{
	return pick(sc->title, sc->title_zh);
}
