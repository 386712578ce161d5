/*
 * grading.h — the grading core (DESIGN.md, "Architecture"): "grade program
 * P on lab L's scenarios → results". One implementation for every mode:
 * single grading (and so each child of a batch) grades one submission;
 * check-lab grades the reference, the skeleton and every mutant with the
 * same builds, expectations, runs and verdicts, then analyses kills.
 *
 *   core_open      the lab (lab.conf), work dir and the lab's cache
 *   core_fingerprint  what a grade depends on besides the submission
 *   core_scenarios the lab's scenarios (single, batch)
 *   core_backend   --backend resolved; libkvmemu.so found
 *   core_assemble  every guest image, cached
 *   core_build*    a program compiled in the sandbox (cached by source when asked)
 *   core_expect    what a scenario must print and how it must end (expect.h)
 *   core_run       one program on one scenario and backend, judged
 *   core_grade     a built submission on every scenario → struct grading
 *   core_layer     the sandbox layer of this run (picked on the first call)
 *
 * Errors are returned (a one-line reason in err), never printed: how a
 * failure shows is the mode's business.
 */
#ifndef VIRTLAB_GRADING_H
#define VIRTLAB_GRADING_H

#include "build.h"
#include "diagnose.h"
#include "expect.h"
#include "grade.h"
#include "kit.h"
#include "lab.h"
#include "run.h"
#include "scenario.h"

struct core {
	const struct kit *kit;
	struct lab lab;
	struct diag_rules diag;   /* labs/<lab>/diagnoses (none when absent) */
	struct scenario *sc;
	int nsc;
	char **images;            /* per scenario, after core_assemble */
	char *cachedir;           /* <build>/cache/<lab>, or in the work dir when read-only */
	char *workdir;            /* private temp dir, removed by core_close */
	char *emu_lib;            /* libkvmemu.so, or NULL when absent */
	enum backend dflt;        /* core_backend: for `backend: any` scenarios */
	char backend_desc[400];   /* "kvm", "emu", "auto: emu (why)" */
	unsigned long seed;
	int has_random;           /* some scenario is assembled with the seed */
	char *solution;           /* the reference's path (kit_solution) */
	char program[128];        /* the VMM's name in the box (run_program_name) */
	struct expect_src ex;
	int lab_runs_checked;     /* core_grade: the backend's qualification, once */
	char lab_runs_why[600];   /* empty: the backend runs the lab */
	int nsc_lab;              /* the lab's scenarios before core_select (0: not called) */
	char *subset;             /* core_select: " (partial: K of N scenarios: a,b)", or NULL */
};

/* Loads lab.conf and makes the work dir (prefix: its name) and the cache;
 * finds libkvmemu.so. 0, or CORE_BAD_LAB (lab.conf: the author's mistake)
 * or CORE_SETUP (the machine's) with err. */
#define CORE_BAD_LAB (-1)
#define CORE_SETUP (-2)
int core_open(struct core *c, const struct kit *kit, const char *prefix, char *err, size_t errlen);
/* core_open without the work dir and cache: a mode that grades nothing
 * itself (grade --batch: its children do). 0 or CORE_BAD_LAB. */
int core_load(struct core *c, const struct kit *kit, char *err, size_t errlen);
void core_close(struct core *c);

/* What a grade depends on besides the submission and the options: the
 * scenarios and their includes, lab.conf, the reference, the expect-dir
 * and kvmemu (the files the image and expectation caches key on), as one
 * SHA-256 digest. A grade batch stores it in every row's key, so that a
 * row made before any of them changed is regraded, not reused. */
struct digest core_fingerprint(const struct core *c, const char *expect_dir);

/* The lab's scenarios (hidden ones dropped when public_only); at least one.
 * 0, or -1 with err. */
int core_scenarios(struct core *c, int public_only, char *err, size_t errlen);

/* --scenario LIST: which of sc[0..n) a comma-separated list of names
 * selects (keep[i] = 1), exactly by name. Returns how many, or -1 with err
 * naming the unknown name and every known one (a usage error). Pure. */
int scenario_filter(const struct scenario *sc, int n, const char *list, int *keep, char *err, size_t errlen);

/* Keeps only the scenarios list names (after core_scenarios), so that a
 * grading runs and scores just those and its score line says it is partial
 * (c->subset). 0, or -1 with err (an unknown name: a usage error). */
int core_select(struct core *c, const char *list, char *err, size_t errlen);

/* Resolves be (auto: kvm when usable, else emu) for `backend: any`
 * scenarios, and checks that something can run there. 0, or -1 with err. */
int core_backend(struct core *c, enum backend be, char *err, size_t errlen);

/* Assembles every scenario with c->seed into the cache. 0, or -1 with the
 * assembler's message (file:line) in err. */
int core_assemble(struct core *c, char *err, size_t errlen);

/* Expectations come from expect_dir (NULL: none), pins and the reference. */
void core_expect_init(struct core *c, const char *expect_dir);

/* Builds data (a submission as intake read it) as <workdir>/<tag>/<source>,
 * uncached (the report shows the compiler's own words and time). */
void core_build_bytes(struct core *c, const char *tag, const char *data, size_t len, struct build_result *br);

/* What run scenario i on backend be means: its spec, binary left NULL. */
struct run_spec core_spec(const struct core *c, int i, enum backend be);

/* Runs binary on scenario i as spec says and judges it against e (which
 * must be ok) into r. */
void core_run(const struct core *c, int i, struct run_spec spec, const char *binary,
	      const struct expectation *e, struct sc_result *r);

/* One submission, built into g->build (or refused: g->rejected), on every
 * scenario on the default backend: g's results, score and errors. A refused
 * submission needs neither images nor expectations (core_load is enough):
 * every scenario "not graded: the submission is ...". */
void core_grade(struct core *c, struct grading *g);
/* Frees what core_grade and the build put in g. */
void core_grading_free(struct grading *g);

/* The sandbox layer every build and run of this process uses, picked on
 * the first call ("bubblewrap", or the fallback with its warning); its
 * kind is the word VIRTLAB_SANDBOX takes. Modes name the layer through the
 * core: they never reach into the sandbox. */
const char *core_layer(void);
const char *core_layer_kind(void);

#endif
