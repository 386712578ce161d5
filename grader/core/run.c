/* run.c — backend choice and one sandboxed run of a VMM. */
#include "run.h"
#include "lab.h"
#include "scenario.h"
#include "sandbox.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* RLIMIT_AS of a VMM run, both backends (kvmemu needs about 64 MiB). */
#define RUN_AS_BYTES ((size_t)256 << 20)

const char *backend_name(enum backend b)
{
	return b == BACKEND_KVM ? "kvm" : b == BACKEND_EMU ? "emu" : "auto";
}

int backend_parse(const char *s, enum backend *b)
{
	if (!strcmp(s, "auto")) *b = BACKEND_AUTO;
	else if (!strcmp(s, "kvm")) *b = BACKEND_KVM;
	else if (!strcmp(s, "emu")) *b = BACKEND_EMU;
	else return -1;
	return 0;
}

int kvm_usable(char *why, size_t whylen)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "/dev/kvm: %s", strerror(errno));
		return 0;
	}
	int v = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	if (v != 12) {
		snprintf(why, whylen, "/dev/kvm: KVM_GET_API_VERSION is %d, not 12", v);
		return 0;
	}
	return 1;
}

struct run_spec run_spec_for(const struct lab *lab, const struct scenario *sc, const char *image,
			     enum backend be, const char *emu_lib)
{
	struct run_spec s = {
		.image = image,
		.backend = sc->emu_only ? BACKEND_EMU : be,
		.emu_lib = emu_lib,
		.emu_env = sc->emu_env,
		.timeout_s = sc->timeout > 0 ? sc->timeout : lab->timeout,
		.insn_budget = sc->insn_budget ? sc->insn_budget : lab->insn_budget,
		.out_cap = lab->out_cap,
	};
	run_program_name(lab->source, s.program, sizeof s.program);
	return s;
}

void run_program_name(const char *source, char *buf, size_t len)
{
	size_t n = strlen(source);
	if (n > 2 && !strcmp(source + n - 2, ".c"))
		n -= 2;
	snprintf(buf, len, "%.*s", (int)n, source);
	if (!*buf || strlen(buf) != n || !strcmp(buf, "guest.bin") || !strcmp(buf, "libkvmemu.so") ||
	    buf[0] == '.')
		snprintf(buf, len, "vmm");
}

/*
 * coreutils' stdbuf library (what `stdbuf -oL` preloads): with _STDBUF_O=L
 * the VMM's stdout is line-buffered even into a pipe, so what it printed
 * before a limit killed it is in the report, not lost in its stdio buffer.
 * The bytes are the same either way, only written sooner. Under /usr: both
 * layers show it to the box. NULL where coreutils has none.
 */
#define STDBUF_LIB "/usr/libexec/coreutils/libstdbuf.so"

static const char *stdbuf_lib(void)
{
	return access(STDBUF_LIB, R_OK) == 0 ? STDBUF_LIB : NULL;
}

/* The environment of a run: the preloads (kvmemu for emu, stdbuf) and the
 * knobs; kvmemu is quiet unless a scenario asks otherwise, because its
 * diagnostics on stderr would count as the student's "message on stderr". */
static char **run_env(const struct run_spec *spec, char insn_env[48])
{
	size_t n = 0, cap = 7;
	for (char *const *e = spec->emu_env; e && *e; e++)
		cap++;
	char **env = xmalloc(cap * sizeof *env);
	const char *sb = stdbuf_lib();
	if (sb)
		env[n++] = "_STDBUF_O=L";
	if (spec->backend != BACKEND_EMU && sb)
		env[n++] = "LD_PRELOAD=" STDBUF_LIB;
	if (spec->backend == BACKEND_EMU) {
		int quiet_set = 0;
		env[n++] = sb ? "LD_PRELOAD=/box/libkvmemu.so " STDBUF_LIB : "LD_PRELOAD=/box/libkvmemu.so";
		if (spec->insn_budget) {   /* first: getenv finds it before any scenario knob */
			snprintf(insn_env, 48, "KVMEMU_INSN_LIMIT=%lu", spec->insn_budget);
			env[n++] = insn_env;
		}
		for (char *const *e = spec->emu_env; e && *e; e++) {
			env[n++] = *e;
			quiet_set |= !strncmp(*e, "KVMEMU_QUIET=", 13);
		}
		if (!quiet_set)
			env[n++] = "KVMEMU_QUIET=1";
	}
	env[n] = NULL;
	return env;
}

static enum end_kind end_of(enum box_cause c)
{
	switch (c) {
	case BOX_EXITED: return END_EXITED;
	case BOX_SIGNALED: return END_SIGNALED;
	case BOX_TIMEOUT: return END_TIMEOUT;
	case BOX_OUT_CAP: return END_FLOOD;
	case BOX_SETUP_FAIL: break;
	}
	return END_SANDBOX;
}

/* kvmemu's KVMEMU_INSN_LIMIT ended it (grader/kvmemu/budget.c): SIGXCPU
 * and its line on stderr (or stderr past its cap, where the line may be
 * lost). Not RLIMIT_CPU's SIGXCPU: that comes past the box's CPU budget,
 * which ends the box first. A VMM that raises SIGXCPU itself fails either way. */
static int insn_limit_hit(const struct run_spec *spec, const struct run_outcome *o)
{
	static const char line[] = "kvmemu: guest instruction limit of ";
	return spec->backend == BACKEND_EMU && spec->insn_budget && o->end == END_SIGNALED &&
	       o->code == SIGXCPU && (memmem(o->err, o->err_len, line, sizeof line - 1) ||
				      o->err_truncated);
}

void run_vmm(const struct run_spec *spec, struct run_outcome *out)
{
	memset(out, 0, sizeof *out);
	out->timeout_s = spec->timeout_s;
	out->out_cap = spec->out_cap;
	/* kvmemu loads the libunicorn.so.2 next to it (scripts/fetch-unicorn's
	 * copy) when there is one, else the system's: the box gets it beside
	 * /box/libkvmemu.so. Both are the kit's own (trusted): bound in place,
	 * not copied; the student's binary and the guest image are copied. */
	char *uc_lib = spec->emu_lib ? path_sibling(spec->emu_lib, "libunicorn.so.2") : NULL;
	if (uc_lib && access(uc_lib, R_OK) != 0) {
		free(uc_lib);
		uc_lib = NULL;
	}
	/* Named as the students name it: their errx() messages say "sample-qemu: ...". */
	const char *name = spec->program[0] ? spec->program : "vmm";
	struct box_file files[4] = {
		{ spec->binary, name, 0 },
		{ spec->image, "guest.bin", 0 },
		{ spec->emu_lib, "libkvmemu.so", 1 },
		{ uc_lib, "libunicorn.so.2", 1 },
	};
	char *prog = xasprintf("/box/%s", name);
	char *argv[] = { prog, "/box/guest.bin", NULL };
	char insn_env[48];
	char **env = run_env(spec, insn_env);
	struct box_req req = {
		.argv = argv, .files = files,
		.nfiles = spec->backend == BACKEND_EMU ? (uc_lib ? 4 : 3) : 2,
		.env = env, .kvm = spec->backend == BACKEND_KVM, .lim = box_default_limits(),
	};
	/* kvmemu on Unicorn 2.1 peaks at about 64 MiB of address space (a 32 MiB
	 * JIT buffer, not 1 GiB): the same limit for both backends, so a VMM's
	 * allocations meet the same ceiling on kvm and emu. */
	req.lim.as_bytes = RUN_AS_BYTES;
	req.lim.cpu_budget_s = spec->timeout_s;
	req.lim.cpu_s = (int)spec->timeout_s + 2;   /* per process: a backstop past the budget */
	req.lim.wall_s = RUN_WALL_FACTOR * spec->timeout_s + RUN_WALL_SLACK_S;
	req.lim.out_cap = spec->out_cap;
	req.lim.err_cap = RUN_ERR_CAP;

	struct box_result r = {0};
	int rc = box_run(&req, &r);
	for (out->attempts = 1; rc == 0 && r.starved && out->attempts < RUN_STARVED_TRIES; out->attempts++) {
		box_result_free(&r);
		rc = box_run(&req, &r);
	}
	out->end = rc < 0 || r.starved ? END_SANDBOX : end_of(r.cause);
	out->code = r.code;
	out->wall_s = r.wall_s;
	out->cpu_s = r.cpu_s;
	out->over_budget = r.over_budget;
	out->over_memory = r.over_memory;
	out->mem_limit = req.lim.mem_bytes;
	out->err_truncated = r.err_truncated;
	if (rc == 0 && r.starved)
		snprintf(out->diag, sizeof out->diag, "starved: %d runs each hit the %g s wall-clock safety net "
			 "having used %.2f s of a %g s CPU budget while waiting for a CPU (an overloaded "
			 "machine, not the program: regrade)", out->attempts, req.lim.wall_s, r.cpu_s,
			 spec->timeout_s);
	else
		snprintf(out->diag, sizeof out->diag, "%s", r.diag[0] ? r.diag : "box_run failed");
	/* Keep our own copies: the box's buffers are freed below. */
	out->out = xmalloc(r.out_len + 1);
	if (r.out_len)
		memcpy(out->out, r.out, r.out_len);
	out->out[r.out_len] = '\0';
	out->out_len = r.out_len;
	out->err = xmalloc(r.err_len + 1);
	if (r.err_len)
		memcpy(out->err, r.err, r.err_len);
	out->err[r.err_len] = '\0';
	out->err_len = r.err_len;
	out->insn_budget = spec->backend == BACKEND_EMU ? spec->insn_budget : 0;
	if (insn_limit_hit(spec, out)) {
		out->end = END_TIMEOUT;
		out->over_budget = out->over_insns = 1;
	}
	box_result_free(&r);
	free(env);
	free(uc_lib);
	free(prog);
}

void run_outcome_free(struct run_outcome *o)
{
	free(o->out);
	free(o->err);
	o->out = o->err = NULL;
}
