/* expect.c — expectations: pins, an expect-dir, or the reference (cached). */
#include "build.h"
#include "expect.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int parse_exit_word(const char *text, enum exit_class *cls)
{
	char w[32];
	size_t n = 0;
	while (isspace((unsigned char)*text))
		text++;
	while (*text && !isspace((unsigned char)*text) && n < sizeof w - 1)
		w[n++] = *text++;
	w[n] = '\0';
	while (isspace((unsigned char)*text))
		text++;
	if (*text || !n)
		return -1;
	if (exit_class_parse(w, cls) == 0)
		return 0;
	if (!strcmp(w, "0")) {
		*cls = EXIT_SUCCESS_CLASS;
		return 0;
	}
	char *end;
	long v = strtol(w, &end, 10);
	if (!*end && v >= 1 && v <= 125) {
		*cls = EXIT_ERROR_CLASS;
		return 0;
	}
	return -1;
}

/* Reads <dir>/<name>.{out,exit}. */
static int read_pair(const char *dir, const char *name, struct expectation *e, char *why, size_t whylen)
{
	char *out = xasprintf("%s/%s.out", dir, name), *ex = xasprintf("%s/%s.exit", dir, name);
	char *text = read_file(ex, NULL, 4096);
	int rc = -1;
	if (!text)
		snprintf(why, whylen, "%s: %s", ex, strerror(errno));
	else if (parse_exit_word(text, &e->cls) < 0)
		snprintf(why, whylen, "%s: expected 'success' or 'error'", ex);
	else if (!(e->out = read_file(out, &e->out_len, (size_t)1 << 26)))
		snprintf(why, whylen, "%s: %s", out, strerror(errno));
	else
		rc = 0;
	free(text);
	free(out);
	free(ex);
	return rc;
}

int expect_write(const char *dir, const char *name, const struct expectation *e, int mode)
{
	char *out = xasprintf("%s/%s.out", dir, name), *ex = xasprintf("%s/%s.exit", dir, name);
	char word[16];
	int n = snprintf(word, sizeof word, "%s\n", exit_class_word(e->cls));
	int rc = write_atomic(out, e->out, e->out_len, mode);
	if (rc == 0)
		rc = write_atomic(ex, word, (size_t)n, mode);
	free(out);
	free(ex);
	return rc;
}

/* Builds the reference once per cache key (its source and the lab's flags). */
static void ref_build(struct expect_src *src)
{
	src->ref_tried = 1;
	if (!src->solution || build_key(src->lab, src->solution, &src->ref_key) < 0) {
		snprintf(src->ref_why, sizeof src->ref_why,
			 "no expectation: the reference solution %s is missing and no --expect-dir was given",
			 src->solution ? src->solution : "(none)");
		return;
	}
	char *outdir = path_join(src->workdir, "ref");
	struct build_result br;
	build_cached(src->lab, src->solution, src->cachedir, outdir, &br);
	if (!br.ok) {
		src->ref_grader_error = 1;
		snprintf(src->ref_why, sizeof src->ref_why, "the reference solution did not build: %.400s",
			 br.excerpt);
	} else {
		src->ref_bin = br.binary;
		br.binary = NULL;
	}
	build_result_free(&br);
	free(outdir);
}

/* Cache key of one reference run: everything that can change its output. */
static struct digest run_key(const struct expect_src *src, const struct run_spec *spec)
{
	struct hash h;
	hash_init(&h, "virtlab reference run 2 (sha256)");
	hash_str(&h, src->ref_key.hex);
	hash_str(&h, "image");
	hash_file(spec->image, &h);
	hash_str(&h, backend_name(spec->backend));
	if (spec->backend == BACKEND_EMU) {
		hash_file(spec->emu_lib, &h);    /* a kvmemu fix invalidates its results */
		for (char *const *e = spec->emu_env; e && *e; e++)
			hash_str(&h, *e);
	}
	hash_add(&h, &spec->timeout_s, sizeof spec->timeout_s);
	if (spec->backend == BACKEND_EMU)
		hash_add(&h, &spec->insn_budget, sizeof spec->insn_budget);
	hash_add(&h, &spec->out_cap, sizeof spec->out_cap);
	return hash_digest(&h);
}

static void ref_run(struct expect_src *src, const struct scenario *sc, const struct run_spec *spec,
		    struct expectation *e)
{
	char *stem = xasprintf("expect-%s-%s", sc->name, run_key(src, spec).hex);
	if (read_pair(src->cachedir, stem, e, e->why, sizeof e->why) == 0) {
		e->ok = 1;
		free(stem);
		return;
	}
	struct run_spec rs = *spec;
	rs.binary = src->ref_bin;
	struct run_outcome o;
	run_vmm(&rs, &o);
	e->cls = exit_class_of(&o);
	if (e->cls == EXIT_UNSET) {
		char ended[300];
		describe_end(&o, ended, sizeof ended);
		snprintf(e->why, sizeof e->why, "no expectation: the reference solution %.200s%s on %.40s",
			 ended, o.end == END_EXITED ? " (not success, nor an error with a message)" : "", sc->name);
		run_outcome_free(&o);
		free(stem);
		return;
	}
	e->ok = 1;
	e->out = o.out;
	e->out_len = o.out_len;
	o.out = NULL;
	expect_write(src->cachedir, stem, e, 0600);   /* best effort; the grader's alone, as the cache */
	run_outcome_free(&o);
	free(stem);
}

void expect_get(struct expect_src *src, const struct scenario *sc, const struct run_spec *spec,
		struct expectation *e)
{
	memset(e, 0, sizeof *e);
	if (sc->pin_out && sc->pin_exit != EXIT_UNSET) {
		e->ok = 1;
		expect_apply_pins(sc, e);
		return;
	}
	if (src->expect_dir) {
		e->ok = read_pair(src->expect_dir, sc->name, e, e->why, sizeof e->why) == 0;
		e->source = "expect-dir";
	} else {
		expect_reference(src, sc, spec, e);
	}
	if (e->ok)
		expect_apply_pins(sc, e);
}

void expect_reference(struct expect_src *src, const struct scenario *sc, const struct run_spec *spec,
		      struct expectation *e)
{
	memset(e, 0, sizeof *e);
	if (!src->ref_tried)
		ref_build(src);
	if (!src->ref_bin)
		snprintf(e->why, sizeof e->why, "%.300s", src->ref_why);
	else
		ref_run(src, sc, spec, e);
	e->source = "reference";
}

void expect_apply_pins(const struct scenario *sc, struct expectation *e)
{
	/* Pins take precedence; check-lab verifies they agree with the reference. */
	if (sc->pin_exit != EXIT_UNSET)
		e->cls = sc->pin_exit;
	if (sc->pin_out) {
		free(e->out);
		e->out = xmalloc(sc->pin_out_len + 1);
		memcpy(e->out, sc->pin_out, sc->pin_out_len + 1);
		e->out_len = sc->pin_out_len;
		e->source = "pinned";
	}
}

void expect_src_free(struct expect_src *src)
{
	free(src->ref_bin);
	src->ref_bin = NULL;
}
