/*
 * run.h — one run of a VMM binary on one guest image, in the sandbox, on a
 * backend: real /dev/kvm or kvmemu preloaded.
 */
#ifndef VIRTLAB_RUN_H
#define VIRTLAB_RUN_H

#include <stddef.h>

enum backend { BACKEND_AUTO, BACKEND_KVM, BACKEND_EMU };

const char *backend_name(enum backend b);
/* "auto"/"kvm"/"emu" → 0, else -1. */
int backend_parse(const char *s, enum backend *b);

/* 1 when /dev/kvm opens and KVM_GET_API_VERSION is 12; else 0 with why. */
int kvm_usable(char *why, size_t whylen);

/* How a run ended, in the grader's terms (sandbox causes mapped). */
enum end_kind { END_EXITED, END_SIGNALED, END_TIMEOUT, END_FLOOD, END_SANDBOX };

struct run_outcome {
	enum end_kind end;
	int code;            /* exit status or signal number */
	char *out;           /* stdout as captured (at most out_cap bytes) */
	size_t out_len;
	char *err;           /* stderr as captured (capped) */
	size_t err_len;
	int err_truncated;
	double wall_s;
	double cpu_s;        /* CPU time of the whole box (every task) */
	int over_budget;     /* END_TIMEOUT: it used its CPU budget (else: asleep at the safety net) */
	int over_insns;      /* END_TIMEOUT, over_budget: the budget was kvmemu's guest instructions */
	int over_memory;     /* END_SIGNALED or END_TIMEOUT: the box hit its memory limit */
	size_t mem_limit;    /* that limit, bytes, for "over its memory limit of N MiB" */
	unsigned long insn_budget;   /* that budget (0: none), for "... of N guest instructions" */
	int attempts;        /* runs made: a starved run is run again (RUN_STARVED_TRIES) */
	double timeout_s;    /* its CPU budget, for "ran past its CPU budget of N s" */
	size_t out_cap;      /* the cap this run had, for "output flood (> N bytes)" */
	char diag[256];      /* sandbox failure: why */
};

struct run_spec {
	const char *binary;       /* host path of the VMM */
	const char *image;        /* host path of guest.bin */
	enum backend backend;     /* KVM or EMU (resolved) */
	const char *emu_lib;      /* host path of libkvmemu.so (EMU) */
	char *const *emu_env;     /* scenario knobs, or NULL */
	double timeout_s;         /* the CPU budget of the whole box, seconds */
	unsigned long insn_budget;   /* EMU: guest instructions (KVMEMU_INSN_LIMIT); 0: none */
	size_t out_cap;
	char program[64];         /* its name in the box, so argv[0] (run_program_name) */
};

/* The name a lab's VMM has, as students build and run it: the source's name
 * without ".c" (sample-qemu.c → sample-qemu), so that errx()'s
 * program_invocation_short_name says what it says by hand; "vmm" when that
 * would be empty or collide with the box's other files. */
void run_program_name(const char *source, char *buf, size_t len);

struct lab;
struct scenario;

/* How grading runs scenario sc (assembled as image) on backend be: the one
 * place a run's backend, knobs and limits come from, for grading, the
 * reference's expected runs and check-lab alike. Emulated-only scenarios run
 * on kvmemu whatever be is; the scenario's timeout overrides lab.conf's.
 * binary is left for the caller (the student's, the reference's, a mutant's). */
struct run_spec run_spec_for(const struct lab *lab, const struct scenario *sc, const char *image,
			     enum backend be, const char *emu_lib);

#define RUN_ERR_CAP 16384

/*
 * Budgets, not wall clocks: a run's budget is the CPU time of its whole box
 * (spec->timeout_s: on kvmemu the VMM's and the engine's, on /dev/kvm the
 * vCPU threads' guest time too); the wall clock, RUN_WALL_FACTOR times it
 * plus RUN_WALL_SLACK_S, is only a safety net (a box asleep, neither running
 * nor runnable, is stopped after its budget in wall time: the sandbox).  A run
 * that hits the net having used less than its budget while it waited for a
 * CPU was starved by the machine: it is run again, up to RUN_STARVED_TRIES
 * runs, then is a grader error (END_SANDBOX), never the program's timeout.
 * On kvmemu the guest's instructions are a budget too (spec->insn_budget:
 * KVMEMU_INSN_LIMIT, which ends the VMM with SIGXCPU and one stderr line):
 * a run that uses them is END_TIMEOUT, over_budget and over_insns.
 */
#define RUN_WALL_FACTOR 4
#define RUN_WALL_SLACK_S 2.0
#define RUN_STARVED_TRIES 3

/* Runs spec through box_run(); always fills out (never fails: a box that
 * can't start is END_SANDBOX). */
void run_vmm(const struct run_spec *spec, struct run_outcome *out);
void run_outcome_free(struct run_outcome *o);

#endif
