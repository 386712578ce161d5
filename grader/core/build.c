/* build.c — compile a submission with the lab's flags inside the sandbox. */
#include "build.h"
#include "sandbox.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COMPILE_WALL_S 60.0
#define COMPILE_DIAG_CAP (256 * 1024)

int split_words(const char *s, char ***out)
{
	char *copy = xstrdup(s);
	int n = 0;
	char **v = xmalloc(sizeof *v);
	for (char *save, *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
		v = xrealloc(v, (size_t)(n + 2) * sizeof *v);
		v[n++] = xstrdup(t);
	}
	v[n] = NULL;
	free(copy);
	*out = v;
	return n;
}

void free_words(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int is_error_line(const char *line, size_t n)
{
	static const char *const marks[] = { "error:", "undefined reference", "fatal error" };
	for (size_t m = 0; m < sizeof marks / sizeof *marks; m++)
		if (memmem(line, n, marks[m], strlen(marks[m])))
			return 1;
	return 0;
}

void build_first_error(const char *diag, char *out, size_t len)
{
	const char *pick = NULL;
	for (const char *p = diag; p && *p && !pick;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (is_error_line(p, n))
			pick = p;
		p = e ? e + 1 : NULL;
	}
	for (const char *p = diag; !pick && p && *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n && !memmem(p, n, "In function", 11))
			pick = p;
		p = e ? e + 1 : NULL;
	}
	if (!pick)
		pick = "the compiler failed without a message";
	snprintf(out, len, "%.*s", (int)strcspn(pick, "\n"), pick);
}

int build_count_warnings(const char *diag)
{
	int n = 0;
	for (const char *p = diag; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		n += memmem(p, len, ": warning: ", 11) != NULL;
		p = e ? e + 1 : NULL;
	}
	return n;
}

char *build_excerpt(const char *diag, int max)
{
	/* Index the lines, find the first error; warnings before it are noise. */
	const char *start = diag;
	int total = 0;
	const char *first_err = NULL, *prev = NULL;
	for (const char *p = diag; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (!first_err && is_error_line(p, n)) {
			first_err = p;
			/* Keep gcc's "In function 'main':" context line. */
			if (prev && memmem(prev, (size_t)(p - prev), "In function", 11))
				first_err = prev;
		}
		prev = p;
		total++;
		p = e ? e + 1 : p + n;
	}
	if (total > max && first_err)
		start = first_err;
	struct buf b = {0};
	int lines = 0;
	int full = 0;
	for (const char *p = start; *p && lines < max; lines++) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (b.len + (n < BUILD_EXCERPT_LINE_BYTES ? n : BUILD_EXCERPT_LINE_BYTES) > BUILD_EXCERPT_TOTAL_BYTES) {
			full = 1;
			break;
		}
		buf_add_capped(&b, p, n, BUILD_EXCERPT_LINE_BYTES);
		buf_addc(&b, '\n');
		p = e ? e + 1 : p + n;
	}
	if (full || (lines == max && total > lines))
		buf_adds(&b, "...\n");
	return (char *)buf_str(&b);
}

/* The compiler sees /box/<source> (or, in a sandbox layer without a mount
 * namespace, <scratch>/box/<source>); students know it as <source>. Drops
 * every path that ends in "/box/", back to the start of the word. */
static char *strip_box_paths(const char *s, size_t n)
{
	struct buf b = {0};
	buf_str(&b);
	for (size_t i = 0; i < n;) {
		if (n - i >= 5 && !memcmp(s + i, "/box/", 5)) {
			while (b.len && !strchr(" \t\n'\"(`=", b.p[b.len - 1]))
				b.len--;
			b.p[b.len] = '\0';
			i += 5;
			continue;
		}
		buf_addc(&b, s[i++]);
	}
	return b.p;
}

static char **compile_argv(const struct lab *lab, char **cfl, int ncf, char **ldf, int nld)
{
	char **argv = xmalloc((size_t)(ncf + nld + 6) * sizeof *argv);
	int k = 0;
	argv[k++] = "cc";
	for (int i = 0; i < ncf; i++)
		argv[k++] = cfl[i];
	argv[k++] = "-o";
	argv[k++] = "/out/vmm";
	argv[k++] = xasprintf("/box/%s", lab->source);
	for (int i = 0; i < nld; i++)
		argv[k++] = ldf[i];
	argv[k] = NULL;
	return argv;
}

void build_submission(const struct lab *lab, const char *src, const char *outdir,
		      struct build_result *res)
{
	memset(res, 0, sizeof *res);
	char **cfl, **ldf;
	int ncf = split_words(lab->cflags, &cfl), nld = split_words(lab->ldflags, &ldf);
	char **argv = compile_argv(lab, cfl, ncf, ldf, nld);
	struct box_file file = { .host_path = src, .name = lab->source };
	char *env[] = { "LANG=C", "LC_ALL=C", NULL };  /* plain ASCII quotes in diagnostics */
	struct box_req req = {
		.argv = argv, .files = &file, .nfiles = 1, .env = env, .outdir = outdir,
		.trusted_tree = 1,   /* cc's own processes: a fork it is refused is the machine's */
		.lim = box_default_limits(),
	};
	req.lim.wall_s = COMPILE_WALL_S;
	req.lim.cpu_s = (int)COMPILE_WALL_S;
	req.lim.out_cap = COMPILE_DIAG_CAP;
	req.lim.err_cap = COMPILE_DIAG_CAP;
	req.lim.nproc = 64;   /* cc forks cc1, as, collect2, ld */

	char *vmm = path_join(outdir, "vmm");
	unlink(vmm);
	struct box_result r = {0};
	int rc = box_run(&req, &r);
	res->wall_s = r.wall_s;
	struct buf diag = {0};
	if (rc < 0 || r.cause == BOX_SETUP_FAIL || r.starved) {
		/* the box, or the machine's resources: a grader error, regraded, never "did not compile" */
		res->sandbox_failed = 1;
		buf_addf(&diag, "sandbox failure while compiling: %s\n", r.diag);
	} else {
		char *e = strip_box_paths(r.err ? r.err : "", r.err_len);
		char *o = strip_box_paths(r.out ? r.out : "", r.out_len);
		buf_adds(&diag, o);
		buf_adds(&diag, e);
		free(e);
		free(o);
		struct stat st;
		res->ok = r.cause == BOX_EXITED && r.code == 0 && stat(vmm, &st) == 0;
		if (!res->ok && r.cause == BOX_TIMEOUT)
			buf_addf(&diag, "the compiler timed out after %g s\n", COMPILE_WALL_S);
		else if (!res->ok && r.cause == BOX_SIGNALED)
			buf_addf(&diag, "the compiler was killed by signal %d\n", r.code);
		else if (!res->ok && !diag.len)
			buf_addf(&diag, "the compiler exited %d without a message\n", r.code);
	}
	res->diag = (char *)buf_str(&diag);
	res->excerpt = build_excerpt(res->diag, BUILD_EXCERPT_LINES);
	res->warnings = res->ok ? build_count_warnings(res->diag) : 0;
	if (res->ok)
		res->binary = vmm;
	else
		free(vmm);
	box_result_free(&r);
	free(argv[ncf + 3]);
	free(argv);
	free_words(cfl, ncf);
	free_words(ldf, nld);
}

void build_result_free(struct build_result *res)
{
	free(res->binary);
	free(res->diag);
	free(res->excerpt);
	memset(res, 0, sizeof *res);
}

int build_key(const struct lab *lab, const char *src, struct digest *key)
{
	struct hash h;
	hash_init(&h, "virtlab build: source, cflags, ldflags, name");
	if (hash_file(src, &h) < 0)
		return -1;
	hash_str(&h, lab->cflags);
	hash_str(&h, lab->ldflags);
	hash_str(&h, lab->source);
	*key = hash_digest(&h);
	return 0;
}

void build_cached(const struct lab *lab, const char *src, const char *cachedir, const char *outdir,
		  struct build_result *res)
{
	struct digest key;
	char *cached = build_key(lab, src, &key) == 0 ? xasprintf("%s/vmm-%s", cachedir, key.hex) : NULL;
	struct stat st;
	if (cached && stat(cached, &st) == 0 && S_ISREG(st.st_mode)) {
		memset(res, 0, sizeof *res);
		res->ok = 1;
		res->binary = cached;
		res->diag = xstrdup("");
		res->excerpt = xstrdup("");
		return;
	}
	mkdir_p(outdir, 0777);
	chmod(outdir, 0777);   /* the box may write as an unprivileged uid */
	build_submission(lab, src, outdir, res);
	/* A failed copy only costs a rebuild next time: the built one is used. */
	if (res->ok && cached && copy_atomic(res->binary, cached, 0700) == 0) {
		free(res->binary);
		res->binary = cached;
		cached = NULL;
	}
	free(cached);
}
