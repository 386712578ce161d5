/*
 * budget.c - KVMEMU_INSN_LIMIT=N: a limit on the guest instructions a
 * process runs, the emulator's counterpart of RLIMIT_CPU.
 *
 * A guest that spins costs its host CPU time in proportion to the host's
 * speed and load; its instruction count depends on the guest and the VMM
 * alone. A program whose guests (every vCPU of every VM it made, summed) have
 * executed N instructions is ended as RLIMIT_CPU ends one: one line
 * "kvmemu: guest instruction limit of N reached (KVMEMU_INSN_LIMIT)" on stderr
 * (even with KVMEMU_QUIET: it says why the program died) and SIGXCPU with its
 * default action, which the program cannot catch or block at that point.
 * Unset, empty or 0: no limit, and nothing is counted (no cost).
 * KVMEMU_INSN_COUNT=1 counts without a limit and says at exit
 * "kvmemu: N guest instructions" (how a lab's budgets are chosen).
 *
 * Counted by a code hook over every address: Unicorn then calls us once per
 * instruction (its own `count` argument of uc_emu_start is the same hook,
 * and stops the run instead of telling us why). The block hook would be
 * cheaper but sees bytes of code, not instructions.
 */
#include "kvmemu.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t insn_limit;     /* 0: none */
static uint64_t insn_used;      /* every vCPU's, summed (atomic) */
static bool insn_report;        /* KVMEMU_INSN_COUNT: say the count at exit */

__attribute__((destructor)) static void budget_report(void)
{
	char msg[80];
	int n = snprintf(msg, sizeof msg, "kvmemu: %llu guest instructions\n",
			 (unsigned long long)__atomic_load_n(&insn_used, __ATOMIC_RELAXED));
	if (insn_report && n > 0 && write(2, msg, (size_t)n) < 0)
		n = 0;
}

__attribute__((constructor)) static void budget_read_knob(void)
{
	const char *r = getenv("KVMEMU_INSN_COUNT");
	insn_report = r && *r && strcmp(r, "0") != 0;
	if (insn_report)
		insn_limit = UINT64_MAX;
	const char *s = getenv("KVMEMU_INSN_LIMIT");
	if (!s || !*s)
		return;
	char *end;
	unsigned long long n = strtoull(s, &end, 10);
	if (*end || *s == '-')
		kvmemu_diag("KVMEMU_INSN_LIMIT=%s rejected: want a whole number of instructions; "
			    "no limit", s);
	else
		insn_limit = n;
}

/* Ends the process as the kernel does at RLIMIT_CPU's soft limit. */
_Noreturn static void budget_over(void)
{
	char msg[160];
	int n = snprintf(msg, sizeof msg, "kvmemu: guest instruction limit of %llu reached "
			 "(KVMEMU_INSN_LIMIT)\n", (unsigned long long)insn_limit);
	if (n > 0 && write(2, msg, (size_t)n) < 0)
		n = 0;
	signal(SIGXCPU, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGXCPU);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGXCPU);
	_exit(128 + SIGXCPU);       /* not reached */
}

static void insn_hook(uc_engine *u, uint64_t addr, uint32_t size, void *opaque)
{
	(void)u; (void)addr; (void)size; (void)opaque;
	if (__atomic_add_fetch(&insn_used, 1, __ATOMIC_RELAXED) > insn_limit)
		budget_over();
}

void budget_attach(struct cpu *c)
{
	if (!insn_limit)
		return;
	uc_hook h;
	uc_err e = uc.hook_add(c->uc, &h, UC_HOOK_CODE, (void *)insn_hook, NULL, 1, 0);
	if (e) {   /* no count, no run: never an unlimited guest when a limit was asked */
		kvmemu_diag("KVMEMU_INSN_LIMIT: counting hook: %s", uc.strerror(e));
		budget_over();
	}
}
