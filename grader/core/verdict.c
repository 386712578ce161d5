/* verdict.c — pass = identical stdout and the same exit class. */
#include "lang.h"
#include "util.h"
#include "verdict.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cause_names[CAUSE_COUNT] = {
	[CAUSE_PASSED] = "passed", [CAUSE_WRONG_OUTPUT] = "wrong-output", [CAUSE_WRONG_EXIT] = "wrong-exit",
	[CAUSE_NO_MESSAGE] = "no-message", [CAUSE_SIGNAL] = "signal", [CAUSE_TIMEOUT] = "timeout",
	[CAUSE_OUTPUT_FLOOD] = "output-flood", [CAUSE_MEMORY] = "memory", [CAUSE_BUILD_FAILED] = "build-failed",
	[CAUSE_REJECTED] = "rejected", [CAUSE_SANDBOX] = "sandbox-error", [CAUSE_GRADER_ERROR] = "grader-error",
};

const char *cause_name(enum cause c)
{
	return c >= 0 && c < CAUSE_COUNT ? cause_names[c] : "unknown";
}

int cause_parse(const char *name, enum cause *c)
{
	for (int i = 0; i < CAUSE_COUNT; i++)
		if (!strcmp(name, cause_names[i])) {
			*c = (enum cause)i;
			return 0;
		}
	return -1;
}

int cause_is_grader_error(enum cause c)
{
	return c == CAUSE_SANDBOX || c == CAUSE_GRADER_ERROR;
}

const char *expected_phrase(enum exit_class c)
{
	if (lang_get() != LANG_ZH)
		return exit_class_phrase(c);
	return c == EXIT_SUCCESS_CLASS ? "退出码 0" : "以错误退出（退出码非 0，且 stderr 上有错误信息）";
}

enum exit_class exit_class_of(const struct run_outcome *o)
{
	if (o->end != END_EXITED)
		return EXIT_UNSET;
	if (o->code == 0)
		return EXIT_SUCCESS_CLASS;
	if (o->code >= 1 && o->code <= 125 && o->err_len > 0)
		return EXIT_ERROR_CLASS;
	return EXIT_UNSET;
}

void signal_name(int sig, char *buf, size_t len)
{
	static const struct { int sig; const char *name; } names[] = {
		{ SIGSEGV, "SIGSEGV" }, { SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" },
		{ SIGILL, "SIGILL" }, { SIGABRT, "SIGABRT" }, { SIGKILL, "SIGKILL" },
		{ SIGTERM, "SIGTERM" }, { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
		{ SIGPIPE, "SIGPIPE" }, { SIGSYS, "SIGSYS" }, { SIGTRAP, "SIGTRAP" },
		{ SIGINT, "SIGINT" }, { SIGHUP, "SIGHUP" }, { SIGQUIT, "SIGQUIT" },
		{ SIGALRM, "SIGALRM" }, { SIGUSR1, "SIGUSR1" }, { SIGUSR2, "SIGUSR2" },
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (names[i].sig == sig) {
			snprintf(buf, len, "%s", names[i].name);
			return;
		}
	snprintf(buf, len, "signal %d", sig);
}

void describe_end(const struct run_outcome *o, char *buf, size_t len)
{
	char sig[32];
	switch (o->end) {
	case END_EXITED:
		snprintf(buf, len, T("exited %d", "退出码 %d"), o->code);
		break;
	case END_SIGNALED:
		if (o->over_memory) {
			snprintf(buf, len, T("killed: over its memory limit of %zu MiB (the whole box)",
					     "被终止：超出内存上限 %zu MiB（整个沙箱）"), o->mem_limit >> 20);
			break;
		}
		signal_name(o->code, sig, sizeof sig);
		/* RLIMIT_CPU ends in SIGKILL/SIGXCPU: say what it means. */
		snprintf(buf, len, T("killed by %s%s", "被信号 %s 终止%s"), sig,
			 o->code == SIGXCPU ? T(" (CPU time limit)", "（超出 CPU 时间限制）") : "");
		break;
	case END_TIMEOUT:
		if (o->over_memory)
			snprintf(buf, len, T("timed out at its memory limit of %zu MiB (the whole box)",
					     "超时：卡在内存上限 %zu MiB（整个沙箱）"), o->mem_limit >> 20);
		else if (o->over_insns)
			snprintf(buf, len, T("timed out: used its budget of %lu guest instructions",
					     "超时：用完了 %lu 条客户机指令的预算"), o->insn_budget);
		else if (o->over_budget)
			snprintf(buf, len, T("timed out: used its CPU budget of %g s", "超时：用完了 CPU 时间预算（%g 秒）"),
				 o->timeout_s);
		else   /* asleep or blocked: the budget was not the limit */
			snprintf(buf, len, T("timed out: still running after %.0f s of wall clock, %.2f s of "
					     "CPU used (asleep or blocked?)",
					     "超时：墙钟 %.0f 秒后仍未结束，只用了 %.2f 秒 CPU（在睡眠或阻塞？）"),
				 o->wall_s, o->cpu_s);
		break;
	case END_FLOOD:
		snprintf(buf, len, T("output flood (> %zu bytes)", "输出过多（超过 %zu 字节）"), o->out_cap);
		break;
	case END_SANDBOX:
		snprintf(buf, len, T("sandbox failure: %s", "沙箱故障：%s"), o->diag);
		break;
	}
}

size_t first_diff(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return i;
	return alen == blen ? NO_DIFF : n;
}

/* Where a diff excerpt splits: the first differing byte, or the start of
 * the UTF-8 sequence it falls in. Decided from the shared prefix alone (the
 * bytes before at are the same on both sides), so both lines split alike. */
static size_t diff_split(const char *s, size_t at)
{
	for (size_t k = 1; k <= 3 && k <= at; k++) {
		unsigned char c = (unsigned char)s[at - k];
		if ((c & 0xc0) == 0x80)
			continue;   /* a continuation byte: look further back */
		size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		return len > k ? at - k : at;
	}
	return at;
}

/* One side of the difference: ..."<prefix><rest>"... split at split (from
 * diff_split); returns the column (terminal columns, not bytes) of the first
 * character after the prefix. Cuts never fall inside a UTF-8 sequence. */
static size_t diff_side(struct buf *b, const char *s, size_t n, size_t at, size_t split)
{
	size_t from = split > DIFF_CONTEXT ? split - DIFF_CONTEXT : 0;
	while (from < split && ((unsigned char)s[from] & 0xc0) == 0x80)
		from++;
	size_t to = at < n ? split + utf8_cut(s + split, n - split, DIFF_CONTEXT + (at - split)) : n;
	size_t start = b->len;
	if (from > 0)
		buf_adds(b, "...");
	buf_addc(b, '"');
	esc_c(b, s + from, (at < n ? split : n) - from);
	size_t col = utf8_width(b->p + start, b->len - start);
	if (at < n)
		esc_c(b, s + split, to - split);
	buf_addc(b, '"');
	if (to < n)
		buf_adds(b, "...");
	else if (at >= n)
		buf_adds(b, T(" (output ends here)", "（输出到此结束）"));
	return col;
}

void diff_report(struct buf *b, const char *indent, const char *exp, size_t elen,
		 const char *got, size_t glen, size_t at)
{
	buf_addf(b, T("%sfirst difference at byte %zu (expected %zu bytes, got %zu):\n",
		      "%s第一处不同在第 %zu 字节（应输出 %zu 字节，实际 %zu 字节）：\n"),
		 indent, at, elen, glen);
	size_t split = diff_split(elen < glen ? exp : got, at);
	/* Both labels take 10 terminal columns (a CJK character takes 2): the
	 * caret's indent below counts on it. */
	buf_addf(b, T("%s  expected: ", "%s  应为：    "), indent);
	diff_side(b, exp, elen, at, split);
	buf_addf(b, T("\n%s  got:      ", "\n%s  实际：    "), indent);
	size_t col = diff_side(b, got, glen, at, split);
	/* The prefixes are the same bytes, so one caret fits both lines. */
	buf_addf(b, "\n%s            %*s^\n", indent, (int)col, "");
}

void judge(const struct expectation *e, const struct run_outcome *o, struct verdict *v)
{
	memset(v, 0, sizeof *v);
	v->diff_at = first_diff(e->out, e->out_len, o->out, o->out_len);
	char ended[300];
	describe_end(o, ended, sizeof ended);
	static const enum cause by_end[] = {
		[END_SIGNALED] = CAUSE_SIGNAL, [END_TIMEOUT] = CAUSE_TIMEOUT,
		[END_FLOOD] = CAUSE_OUTPUT_FLOOD, [END_SANDBOX] = CAUSE_SANDBOX,
	};
	if (o->end != END_EXITED) {
		v->code = o->over_memory && o->end != END_SANDBOX ? CAUSE_MEMORY : by_end[o->end];
		v->grader_error = o->end == END_SANDBOX;
		snprintf(v->cause, sizeof v->cause, "%s", ended);
		return;
	}
	enum exit_class got = exit_class_of(o);
	int out_ok = v->diff_at == NO_DIFF, exit_ok = got == e->cls;
	if (out_ok && exit_ok) {
		v->pass = 1;
		v->code = CAUSE_PASSED;
		return;
	}
	char exit_why[400] = "";
	int silent = o->code >= 1 && o->code <= 125 && o->err_len == 0;
	if (!exit_ok) {
		const char *detail = silent ? T(" with nothing on stderr", "，且 stderr 上没有任何信息") : "";
		snprintf(exit_why, sizeof exit_why, T("%s%s, expected %s", "%s%s，应为%s"), ended, detail,
			 expected_phrase(e->cls));
	}
	/* An error without a message is its own mistake: the exit status was right. */
	v->code = exit_ok ? CAUSE_WRONG_OUTPUT
		: silent && e->cls == EXIT_ERROR_CLASS ? CAUSE_NO_MESSAGE : CAUSE_WRONG_EXIT;
	snprintf(v->cause, sizeof v->cause, "%s%s%s", out_ok ? "" : T("wrong output", "输出不对"),
		 !out_ok && !exit_ok ? T("; ", "；") : "", exit_why);
}

void judge_not_run(struct verdict *v, enum cause code, const char *text)
{
	memset(v, 0, sizeof *v);
	v->diff_at = NO_DIFF;
	v->code = code;
	v->grader_error = cause_is_grader_error(code);
	snprintf(v->cause, sizeof v->cause, "%s", text);
}

void expectation_free(struct expectation *e)
{
	free(e->out);
	e->out = NULL;
}
