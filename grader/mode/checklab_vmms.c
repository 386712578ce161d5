/* checklab_vmms.c — check-lab's programs: loaded, spliced, built (checklab.h). */
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

/* ---- the programs under test ------------------------------------------ */

static void add_vmm(struct cl *c, enum vmm_kind kind, const char *name, const char *file,
		    const char *desc, char *src)
{
	c->v = xrealloc(c->v, (size_t)(c->nv + 1) * sizeof *c->v);
	c->v[c->nv++] = (struct vmm){ .kind = kind, .name = xstrdup(name), .file = xstrdup(file),
				      .desc = xstrdup(desc), .src = src };
}

static int line_at(const char *s, size_t off)
{
	int line = 1;
	for (size_t i = 0; i < off && s[i]; i++)
		line += s[i] == '\n';
	return line;
}

/* The reference must be the skeleton plus a body: mutants are the skeleton
 * plus a body, and they stand for "the reference with one mistake". */
static int check_label_shapes(struct cl *c, const char *skel, const char *sk, const char *sol, const char *so)
{
	size_t s0, s1, t0, t1;
	const char *why;
	if (splice_span(sk, c->core.lab.splice_label, &s0, &s1, &why) < 0) {
		cl_error(c, 0, "%s: %s: handlers cannot be spliced into it", skel, why);
		return -1;
	}
	if (splice_span(so, c->core.lab.splice_label, &t0, &t1, &why) < 0) {
		cl_error(c, 0, "%s: %s", sol, why);
		return 0;
	}
	size_t pre = first_diff(sk, s0, so, t0);
	size_t post = first_diff(sk + s1, strlen(sk + s1), so + t1, strlen(so + t1));
	/* "case KVM_EXIT_IO:" → "KVM_EXIT_IO" */
	char body[200];
	snprintf(body, sizeof body, "%.*s", (int)strlen(c->core.lab.splice_label) - 6, c->core.lab.splice_label + 5);
	if (pre != NO_DIFF)
		cl_error(c, 0, "%s:%d: differs from %s before the %s body: the reference must be "
			 "the skeleton plus a handler, as the mutants are", sol, line_at(so, pre), skel, body);
	else if (post != NO_DIFF)
		cl_error(c, 0, "%s:%d: differs from %s after the %s body: the reference must be "
			 "the skeleton plus a handler, as the mutants are", sol, line_at(so, t1 + post), skel, body);
	return 0;
}

/* splice = regions: both files have the same TODO regions and are equal
 * outside their bodies (a mutant is the reference with some bodies
 * replaced, so everything else a student is given must be the reference's).
 * -1 when mutants cannot be spliced at all. */
static int check_region_shapes(struct cl *c, const char *skel, const char *sk, const char *sol, const char *so)
{
	struct splice_region rs[SPLICE_MAX_REGIONS], rr[SPLICE_MAX_REGIONS];
	int ns, nr;
	const char *why;
	if (splice_regions(sk, rs, SPLICE_MAX_REGIONS, &ns, &why) < 0) {
		cl_error(c, 0, "%s: %s", skel, why);
		return -1;
	}
	if (splice_regions(so, rr, SPLICE_MAX_REGIONS, &nr, &why) < 0) {
		cl_error(c, 0, "%s: %s: mutants cannot be spliced into it", sol, why);
		return -1;
	}
	if (ns == 0) {
		cl_error(c, 0, "%s: no `/* ---- TODO <id> begins ---- */` region (lab.conf says splice = regions)",
			 skel);
		return -1;
	}
	int line = splice_outside_diff(sk, rs, ns, so, rr, nr);
	if (line)
		cl_error(c, 0, "%s:%d: differs from %s outside the TODO regions: the reference must be "
			 "the skeleton with the regions written, as the mutants are", sol, line, skel);
	return 0;
}

static int check_shapes(struct cl *c, const char *skel, const char *sk, const char *sol, const char *so)
{
	if (c->core.lab.splice == SPLICE_REGIONS)
		return check_region_shapes(c, skel, sk, sol, so);
	return check_label_shapes(c, skel, sk, sol, so);
}

/* A file of the lab through intake (intake.h), as a submission is read:
 * its bytes, or NULL after an error naming it and why. */
static char *lab_file(struct cl *c, const char *path)
{
	struct intake in;
	if (intake_file(AT_FDCWD, path, &in) == 0)
		return in.data;
	cl_error(c, 0, "%s: %s%s", path, in.status == INTAKE_MISSING ? strerror(in.err) : intake_cause(&in),
		 intake_refusal_is_final(&in) ? " (check-lab reads only regular files of at most 1 MiB, "
						"never through a link)" : "");
	return NULL;
}

/* What intake read, as <workdir>/<dir>/<source>: what is compiled (the
 * lab's path is never opened again). malloc'd path, or NULL. */
static char *private_copy(struct cl *c, const char *dir, const char *text)
{
	char *d = path_join(c->core.workdir, dir), *p = path_join(d, c->core.lab.source);
	int made = text && mkdir_p(d, 0755) == 0;
	free(d);
	if (made && write_atomic(p, text, strlen(text), 0644) == 0)
		return p;
	if (text)
		cl_error(c, 0, "%s: cannot write: %s", p, strerror(errno));
	free(p);
	return NULL;
}

/* --write-mutants: what was compiled, for an instructor to read. */
static void write_mutant(struct cl *c, const char *path, const char *name, const char *src)
{
	if (!c->mutants_out)
		return;
	char *out = xasprintf("%s/%s.c", c->mutants_out, name);
	if (mkdir_p(c->mutants_out, 0755) < 0 || write_atomic(out, src, strlen(src), 0644) < 0)
		cl_warn(c, 0, "%s: cannot write %s: %s", path, out, strerror(errno));
	free(out);
}

/* splice = label: body into the skeleton's handler. The program, or NULL
 * after an error naming the mutant's file and line. */
static char *splice_label_rule(struct cl *c, const char *path, const char *body, const char *skel,
			       struct vmm *v)
{
	int label = splice_label_line(body), line;
	const char *why;
	if (label) {
		cl_error(c, 0, "%s:%d: a case/default label in the handler: the splice rule ends the body "
			 "at the first label, so this mutant cannot be spliced as written", path, label + 1);
		return NULL;
	}
	char *src = splice_body(skel, c->core.lab.splice_label, body, &line, &why);   /* the skeleton's span is valid */
	if (!src) {
		cl_error(c, 0, "%s: cannot splice it into the skeleton: %s", path, why);
		return NULL;
	}
	v->map[0] = (struct splice_map){ .at = line, .from = 2, .lines = line_at(body, strlen(body)) };
	v->nmap = 1;
	return src;
}

/* splice = regions: the sections into the reference's regions. */
static char *splice_region_rule(struct cl *c, const char *path, const char *body, const char *ref,
				struct vmm *v)
{
	struct splice_region r[SPLICE_MAX_REGIONS];
	struct splice_section s[SPLICE_MAX_REGIONS];
	int nr, ns, line;
	const char *why;
	if (splice_sections(body, s, SPLICE_MAX_REGIONS, &ns, &line, &why) < 0) {
		cl_error(c, 0, "%s:%d: %s", path, line, why);
		return NULL;
	}
	splice_regions(ref, r, SPLICE_MAX_REGIONS, &nr, &why);   /* checked by check_region_shapes */
	char *src = splice_apply(ref, r, nr, s, ns, v->map, &why);
	if (!src)
		cl_error(c, 0, "%s:%s", path, why + strlen("line "));   /* "line N: ..." */
	v->nmap = ns;
	return src;
}

/* Reads labs/<lab>/mutants/<fname>, splices it by the lab's rule (into the
 * skeleton skel, or the reference ref) under the work dir and adds it; a
 * malformed mutant is an error. */
static void load_mutant(struct cl *c, const char *dir, const char *fname, const char *skel, const char *ref)
{
	char *path = path_join(dir, fname);
	char *text = lab_file(c, path);
	if (!text) {
		free(path);
		return;
	}
	char *nl = strchr(text, '\n'), *body = nl ? nl + 1 : text + strlen(text);
	if (nl)
		*nl = '\0';
	char *desc = text + 3, *end = text + strlen(text);
	while (end > text && isspace((unsigned char)end[-1]))
		*--end = '\0';
	struct vmm v = {0};
	char *src = NULL;
	if (strncmp(text, "// ", 3) || !*desc)
		cl_error(c, 0, "%s:1: line 1 must be `// <one-line description of the mistake>`", path);
	else if (c->core.lab.splice == SPLICE_REGIONS)
		src = splice_region_rule(c, path, body, ref, &v);
	else
		src = splice_label_rule(c, path, body, skel, &v);
	if (src) {
		char *name = xasprintf("%.*s", (int)(strlen(fname) - 2), fname);
		char *d = xasprintf("%s/src/%s", c->core.workdir, name), *p = path_join(d, c->core.lab.source);
		mkdir_p(d, 0755);
		if (write_atomic(p, src, strlen(src), 0644) < 0) {
			cl_error(c, 0, "%s: cannot write %s: %s", path, p, strerror(errno));
			free(p);
		} else {
			write_mutant(c, path, name, src);
			add_vmm(c, V_MUTANT, name, path, desc, p);
			memcpy(c->v[c->nv - 1].map, v.map, sizeof v.map);
			c->v[c->nv - 1].nmap = v.nmap;
		}
		free(d);
		free(name);
		free(src);
	}
	free(text);
	free(path);
}

static void load_mutants(struct cl *c, const char *skel, const char *ref)
{
	char *dir = kit_mutants(&c->kit), **names;
	int n = list_suffix(dir, ".c", &names);
	if (n <= 0)
		cl_warn(c, 0, "%s/: no mutants (*.c): nothing shows that the scenarios catch mistakes", dir);
	for (int i = 0; i < n; i++)
		load_mutant(c, dir, names[i], skel, ref);
	if (n >= 0)
		free_names(names, n);
	free(dir);
}

/* v[0] the reference, v[1] the skeleton, then the mutants. */
void cl_load_vmms(struct cl *c)
{
	char *sol = kit_solution(&c->kit, c->core.lab.source);
	char *skel = kit_skeleton(&c->kit, c->core.lab.source);
	char *so = lab_file(c, sol), *sk = lab_file(c, skel);
	add_vmm(c, V_REF, "(reference)", sol, "the reference: must pass every scenario", private_copy(c, "ref", so));
	add_vmm(c, V_SKEL, "(skeleton)", skel, "the untouched skeleton: must fail every scenario",
		private_copy(c, "skel", sk));
	if (so && sk && check_shapes(c, skel, sk, sol, so) == 0) {
		if (c->opt->mutate)
			cl_generate_mutants(c, so, sol);
		else
			load_mutants(c, sk, so);
	}
	free(so);
	free(sk);
	free(sol);
	free(skel);
}

/* Columns: (scenario, backend) pairs, scenario-major. */
void cl_make_columns(struct cl *c)
{
	c->col = cl_zalloc((size_t)c->core.nsc * 2 * sizeof *c->col);
	for (int s = 0; s < c->core.nsc; s++) {
		if (c->core.sc[s].emu_only) {
			c->col[c->ncol++] = (struct col){ s, BACKEND_EMU };
			continue;
		}
		for (int b = 0; b < c->nbe; b++)
			c->col[c->ncol++] = (struct col){ s, c->be[b] };
	}
}

/* ---- running in parallel --------------------------------------------- */

/* Anonymous shared memory (zeroed): the workers' results. */
void *cl_shared_zalloc(size_t n)
{
	void *p = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "grade --check-lab: mmap: %s\n", strerror(errno));
		exit(EXIT_SETUP);
	}
	return p;
}

typedef void job_fn(struct cl *c, int job);

/* job(c, 0..njobs-1) in forked workers, each taking the next job from a
 * shared counter (so a few slow jobs, e.g. timeouts, don't hold up one
 * worker's share). Processes rather than threads: the sandbox reaps
 * children and sets process-wide state. Returns the number of workers that
 * did not end cleanly; their unfinished jobs are left undone. */
int cl_parallel(struct cl *c, int njobs, job_fn *job)
{
	int workers = c->jobs < njobs ? c->jobs : njobs, started = 0, bad = 0;
	atomic_int *next = cl_shared_zalloc(sizeof *next);
	atomic_init(next, 0);
	fflush(stdout);
	fflush(stderr);
	pid_t *pid = cl_zalloc((size_t)(workers > 0 ? workers : 1) * sizeof *pid);
	for (int w = 0; w < workers && workers > 1; w++) {
		pid_t p = fork();
		if (p == 0) {
			for (int i; (i = atomic_fetch_add(next, 1)) < njobs;)
				job(c, i);
			_exit(0);
		}
		if (p < 0)
			break;
		pid[started++] = p;
	}
	if (!started)   /* one job, one worker, or no fork: here */
		for (int i; (i = atomic_fetch_add(next, 1)) < njobs;)
			job(c, i);
	for (int w = 0; w < started; w++) {
		int st = 0;
		while (waitpid(pid[w], &st, 0) < 0 && errno == EINTR)
			;
		bad += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	}
	free(pid);
	munmap(next, sizeof *next);
	return bad;
}

/* ---- building ------------------------------------------------------------ */

/* Compiles v[k] through the grading core's build cache (build_cached():
 * the sandbox, the lab's flags; the reference's binary is the one grading
 * uses for expectations). */
static void build_job(struct cl *c, int k)
{
	struct build_slot *s = &c->build[k];
	char *outdir = xasprintf("%s/build-%d", c->core.workdir, k);
	struct build_result br;
	build_cached(&c->core.lab, c->v[k].src, c->core.cachedir, outdir, &br);
	s->ok = br.ok;
	s->sandbox_failed = br.sandbox_failed;
	if (br.ok) {
		snprintf(s->bin, sizeof s->bin, "%s", br.binary);
	} else {
		build_first_error(br.diag, s->why, sizeof s->why);
		snprintf(s->diag, sizeof s->diag, "%s", br.diag);
	}
	build_result_free(&br);
	free(outdir);
	s->done = 1;
}

/* "<source>:L:C: rest" → L and rest; 0 when the line isn't of that shape. */
static int diag_line(const char *why, const char *source, const char **rest)
{
	size_t n = strlen(source);
	if (strncmp(why, source, n) || why[n] != ':' || !isdigit((unsigned char)why[n + 1]))
		return 0;
	char *end;
	long line = strtol(why + n + 1, &end, 10);
	const char *r = strstr(end, ": ");
	*rest = r ? r + 2 : end;
	return line > 0 && line < INT_MAX ? (int)line : 0;
}

/* A link error names no line: "undefined reference to `f'" usually comes
 * from a typo that the compiler warned about, at a line, as 'f'. */
static int line_of_symbol(const char *diag, const char *why, const char *source)
{
	const char *u = strstr(why, "undefined reference to `");
	if (!u)
		return 0;
	u += strlen("undefined reference to `");
	char quoted[200];
	snprintf(quoted, sizeof quoted, "'%.*s'", (int)strcspn(u, "'"), u);
	for (const char *p = diag; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *rest;
		int line = diag_line(p, source, &rest);
		const char *e = strchr(p, '\n');
		if (line && memmem(p, e ? (size_t)(e - p) : strlen(p), quoted, strlen(quoted)))
			return line;
	}
	return 0;
}

static void report_build(struct cl *c, int k)
{
	const struct vmm *v = &c->v[k];
	const struct build_slot *s = &c->build[k];
	if (s->ok || (v->generated && s->done && !s->sandbox_failed))
		return;   /* a generated mutant that doesn't compile is no mutant */
	if (!s->done || s->sandbox_failed) {
		cl_env_error(c, 0, "%s: sandbox failure while compiling it: %s", v->file,
			 s->done ? s->why : "the worker died");
		return;
	}
	const char *rest = s->why;
	int line = diag_line(s->why, c->core.lab.source, &rest);
	if (!line)
		line = line_of_symbol(s->diag, s->why, c->core.lab.source);
	const struct splice_map *m = NULL;
	for (int i = 0; i < v->nmap; i++)
		if (line >= v->map[i].at && line < v->map[i].at + v->map[i].lines)
			m = &v->map[i];
	const char *into = c->core.lab.splice == SPLICE_REGIONS ? "the reference" : "the skeleton";
	if (v->kind != V_MUTANT && line)
		cl_error(c, 0, "%s:%d: does not compile with lab.conf's flags: %s", v->file, line, rest);
	else if (v->kind != V_MUTANT)
		cl_error(c, 0, "%s: does not compile with lab.conf's flags: %s", v->file, rest);
	else if (m)
		cl_error(c, 0, "%s:%d: does not compile spliced into %s: %s", v->file,
			 m->from + line - m->at, into, rest);
	else
		cl_error(c, 0, "%s: does not compile spliced into %s: %s", v->file, into, s->why);
}

void cl_build_all(struct cl *c)
{
	c->build = cl_shared_zalloc((size_t)c->nv * sizeof *c->build);
	cl_parallel(c, c->nv, build_job);
	for (int k = 0; k < c->nv; k++)
		report_build(c, k);
}

