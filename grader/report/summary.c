/* summary.c — what a report says once, before the scenarios (report.h):
 * the compiler's warnings, and a cause that lost several scenarios. */
#include "lang.h"
#include "report.h"

#include <string.h>

void report_warnings(struct buf *b, const struct grading *g, const char *indent)
{
	if (g->rejected || !g->build.ok || g->build.warnings <= 0)
		return;
	buf_addf(b, T("%scompiler warnings (%d; the handout asks you to fix every one):\n",
		      "%s编译器警告（%d 条；请按实验指导修正每一条）：\n"), indent, g->build.warnings);
	for (const char *p = g->build.excerpt ? g->build.excerpt : ""; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		buf_addf(b, "%s  | ", indent);
		esc_text(b, p, n);   /* the diagnostics quote the student's source */
		buf_addc(b, '\n');
		p = nl ? nl + 1 : p + n;
	}
	if (g->penalty)
		buf_addf(b, T("%swarning penalty: -%d point(s), once (lab.conf's warning_penalty)\n",
			      "%s警告扣分：-%d 分（只扣一次，见 lab.conf 的 warning_penalty）\n"), indent, g->penalty);
}

/* The failures a summary groups: a run that failed for the student's reason. */
static int counted(const struct sc_result *r)
{
	return r->ran && !r->v.pass && !r->v.grader_error && !r->diag;   /* a diagnosis said it */
}

/* The k-th result in the lab's teaching order. */
static const struct sc_result *at(const struct grading *g, int k)
{
	return &g->res[g->order ? g->order[k] : k];
}

/* Same cause: the same code, and for a signal the same signal. */
static int same_cause(const struct sc_result *a, const struct sc_result *b)
{
	return a->v.code == b->v.code && (a->v.code != CAUSE_SIGNAL || a->run.code == b->run.code);
}

/* Same cause as a student may know it: a hidden scenario's signal is not
 * theirs to know (only its cause code), so hidden crashes group together
 * and never with a public one's signal. */
static int same_cause_for(const struct sc_result *a, const struct sc_result *b, enum audience who)
{
	if (who == FOR_TA || a->v.code != CAUSE_SIGNAL || a->sc->hidden + b->sc->hidden == 0)
		return same_cause(a, b);
	return a->v.code == b->v.code && a->sc->hidden && b->sc->hidden;
}

static void repeated_line(struct buf *b, const struct sc_result *first, int n, int total, enum audience who)
{
	char sig[32];
	switch (first->v.code) {
	case CAUSE_SIGNAL:
		if (first->sc->hidden && who == FOR_STUDENT) {   /* hidden ones only: no signal named */
			buf_adds(b, T("your program was killed by a signal", "你的程序被信号终止"));
			break;
		}
		signal_name(first->run.code, sig, sizeof sig);
		buf_addf(b, T("your program crashed with %s in %d of %d scenarios; first in `%s`\n",
			      "你的程序在 %2$d/%3$d 个测例中因 %1$s 崩溃；第一个是 `%4$s`\n"),
			 sig, n, total, first->sc->name);
		return;
	case CAUSE_TIMEOUT:
		buf_adds(b, T("your program ran past its time limit", "你的程序超时"));
		break;
	case CAUSE_OUTPUT_FLOOD:
		buf_adds(b, T("your program printed past the output limit", "你的程序输出超过上限"));
		break;
	case CAUSE_MEMORY:
		buf_adds(b, T("your program used more memory than its limit", "你的程序用的内存超过上限"));
		break;
	case CAUSE_WRONG_EXIT:
		buf_adds(b, T("your program ended the wrong way (exit status)", "你的程序退出方式不对（退出码）"));
		break;
	case CAUSE_NO_MESSAGE:
		buf_adds(b, T("your program exited with an error but printed nothing on stderr",
			      "你的程序以错误退出，但 stderr 上没有任何信息"));
		break;
	default:
		buf_adds(b, T("your program printed the wrong output", "你的程序输出不对"));
		break;
	}
	buf_addf(b, T(" in %d of %d scenarios; first in `%s`\n", "：%d/%d 个测例；第一个是 `%s`\n"),
		 n, total, first->sc->name);
}

int report_repeated(struct buf *b, const struct grading *g, enum audience who)
{
	int lines = 0;
	for (int i = 0; i < g->n; i++) {   /* in the lab's teaching order: "first in" the simplest */
		const struct sc_result *r = at(g, i);
		if (!counted(r))
			continue;
		int n = 0, earlier = 0;
		for (int k = 0; k < g->n; k++)
			if (counted(at(g, k)) && same_cause_for(at(g, k), r, who)) {
				earlier |= k < i;
				n++;
			}
		if (n >= 2 && !earlier) {
			repeated_line(b, r, n, g->n, who);
			lines++;
		}
	}
	return lines;
}

int report_is_repeat(const struct grading *g, const struct sc_result *r, enum audience who)
{
	if (!counted(r) || (r->v.code != CAUSE_SIGNAL && r->v.code != CAUSE_TIMEOUT &&
			    r->v.code != CAUSE_OUTPUT_FLOOD))
		return 0;
	for (int k = 0; k < g->n && at(g, k) != r; k++)   /* earlier in teaching order */
		if (counted(at(g, k)) && same_cause_for(at(g, k), r, who))
			return 1;
	return 0;
}
