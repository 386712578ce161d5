/*
 * labinfo.c — `grade --lab-info [--lab NAME]`: what the Makefile fragments
 * and the packaging scripts need of a lab, read by the grader's own parsers
 * (lab.c, scenario.c) so that nothing else parses lab.conf or a scenario
 * header (HACKING.md, "grade --lab-info"). One `KEY=value` line each, the
 * value as it is (one line; lab.conf can't hold a `#`), so that the output
 * is both a make include ($(BUILD)/<lab>/lab.mk) and `sed -n 's/^KEY=//p'`
 * input. Lists are blank-separated names, sorted.
 *
 * Exit status: 0, or 2 when lab.conf or a scenario header is invalid.
 */
#include "modes.h"
#include "grading.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "KEY=a b c" of the scenarios for which pick says yes. */
static void list(const char *key, const struct scenario *sc, int n, int (*pick)(const struct scenario *))
{
	printf("%s=", key);
	const char *sep = "";
	for (int i = 0; i < n; i++) {
		if (!pick(&sc[i]))
			continue;
		printf("%s%s", sep, sc[i].name);
		sep = " ";
	}
	putchar('\n');
}

static int any(const struct scenario *s) { (void)s; return 1; }
static int public(const struct scenario *s) { return !s->hidden; }
static int hidden(const struct scenario *s) { return s->hidden; }
static int randomized(const struct scenario *s) { return s->random; }
static int emu_only(const struct scenario *s) { return s->emu_only; }

static void print_info(const struct kit *k, const struct lab *lab, const struct scenario *sc, int n)
{
	printf("LAB_NAME=%s\nLAB_SOURCE=%s\nLAB_CFLAGS=%s\nLAB_LDFLAGS=%s\n", lab->name, lab->source,
	       lab->cflags, lab->ldflags);
	printf("LAB_TIMEOUT=%g\nLAB_OUT_CAP=%zu\nLAB_IMAGE_MAX=%zu\n", lab->timeout, lab->out_cap,
	       lab->image_max);
	char *guests = kit_guests(k), *mutants = kit_mutants(k), *handout = kit_handout(k);
	char *skel = kit_skeleton(k, lab->source), *sol = kit_solution(k, lab->source);
	printf("LAB_GUESTS=%s\nLAB_MUTANTS=%s\nLAB_HANDOUT=%s\nLAB_SKELETON=%s\nLAB_SOLUTION=%s\n", guests,
	       mutants, handout, skel, sol);
	free(guests);
	free(mutants);
	free(handout);
	free(skel);
	free(sol);
	list("LAB_SCENARIOS", sc, n, any);
	list("LAB_PUBLIC", sc, n, public);
	list("LAB_HIDDEN", sc, n, hidden);
	list("LAB_RANDOM", sc, n, randomized);
	list("LAB_EMU_ONLY", sc, n, emu_only);
	for (int i = 0; i < n; i++) {
		if (!sc[i].emu_env)
			continue;
		printf("LAB_EMU_ENV_%s=", sc[i].name);
		for (char **e = sc[i].emu_env; *e; e++)
			printf("%s%s", e == sc[i].emu_env ? "" : " ", *e);
		putchar('\n');
	}
}

int labinfo_main(const struct cli *opt)
{
	struct kit k;
	struct core c;
	char err[700];
	int rc = 0;
	memset(&c, 0, sizeof c);
	if (kit_enter(&k, opt->root, opt->build, opt->lab, err, sizeof err) < 0)
		return setup_error_as("grade --lab-info", "%s", err);
	/* Every scenario, hidden ones included; none is an error here too. */
	if (core_load(&c, &k, err, sizeof err) < 0 || core_scenarios(&c, 0, err, sizeof err) < 0)
		rc = setup_error_as("grade --lab-info", "%s", err);
	else
		print_info(&k, &c.lab, c.sc, c.nsc);
	core_close(&c);
	kit_free(&k);
	return rc;
}
