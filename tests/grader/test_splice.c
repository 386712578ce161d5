/* test_splice.c — the splice rules (grader/core/splice.h): cpu_lab's label
 * rule and mem_lab's regions, on small texts and on mem_lab's real files. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_decl.h"
#include "lab.h"
#include "splice.h"
#include "util.h"

CHECK_SUITE("splice", "splice rules", NULL, NULL, 0);

#define B(id) "\t/* ---- TODO " id " begins ---- */\n"
#define E(id) "\t/* ---- TODO " id " ends ---- */\n"

static const char two[] = "int a;\n" B("1") "\tstub1();\n" E("1") "int b;\n" B("2b") E("2b") "int c;\n";

/* ---- the label rule (cpu_lab) ---- */

TEST(label_span_and_body)
{
	const char *src = "switch (x) {\ncase KVM_EXIT_IO:\n\told();\n\tbreak;\ncase KVM_EXIT_HLT:\n}\n";
	size_t s, e;
	const char *why;
	ck_assert_int_eq(splice_span(src, "case KVM_EXIT_IO:", &s, &e, &why), 0);
	ck_assert_str_eq(src + e, "case KVM_EXIT_HLT:\n}\n");
	int line;
	char *out = splice_body(src, "case KVM_EXIT_IO:", "\tnew();", &line, &why);
	ck_assert_str_eq(out, "switch (x) {\ncase KVM_EXIT_IO:\n\tnew();\ncase KVM_EXIT_HLT:\n}\n");
	ck_assert_int_eq(line, 3);
	free(out);
	ck_assert_int_eq(splice_span("case KVM_EXIT_IO:\ncase KVM_EXIT_IO:\ndefault:\n", "case KVM_EXIT_IO:", &s, &e,
				     &why), -1);
	ck_assert_str_eq(why, "`case KVM_EXIT_IO:` appears more than once");
	ck_assert_int_eq(splice_label_line("a();\n  default :\n"), 2);
	ck_assert_int_eq(splice_label_line("/* no case here: */\nb();\n"), 0);
}
END_TEST

TEST(lab_conf_splice_key)
{
	struct lab lab;
	char err[300];
	ck_assert_int_eq(lab_parse("l.conf", "source = a.c\n", &lab, err, sizeof err), 0);
	ck_assert_int_eq(lab.splice, SPLICE_LABEL);
	lab_free(&lab);
	ck_assert_int_eq(lab_parse("l.conf", "source = a.c\nsplice = regions\n", &lab, err, sizeof err), 0);
	ck_assert_int_eq(lab.splice, SPLICE_REGIONS);
	lab_free(&lab);
	ck_assert_int_eq(lab_parse("l.conf", "source = a.c\nsplice = label\n", &lab, err, sizeof err), 0);
	ck_assert_int_eq(lab.splice, SPLICE_LABEL);
	lab_free(&lab);
	ck_assert_int_eq(lab_parse("l.conf", "source = a.c\nsplice = Regions\n", &lab, err, sizeof err), -1);
	ck_assert_str_eq(err, "l.conf:2: splice must be `label` or `regions`");
}
END_TEST

/* ---- regions ---- */

TEST(regions_found_in_order)
{
	struct splice_region r[4];
	int n;
	const char *why;
	ck_assert_int_eq(splice_regions(two, r, 4, &n, &why), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(r[0].id, "1");
	ck_assert_str_eq(r[1].id, "2b");
	ck_assert_int_eq(r[0].line, 2);
	ck_assert_int_eq(r[1].line, 6);
	ck_assert_uint_eq(r[0].end - r[0].start, strlen("\tstub1();\n"));
	ck_assert(!strncmp(two + r[0].start, "\tstub1();\n", r[0].end - r[0].start));
	ck_assert_uint_eq(r[1].start, r[1].end);   /* an empty region */
	ck_assert_int_eq(splice_regions("no regions at all\n", r, 4, &n, &why), 0);
	ck_assert_int_eq(n, 0);
	/* a mention in prose that isn't the marker text is no marker */
	ck_assert_int_eq(splice_regions("/* between a \"TODO n begins\" and a \"TODO n ends\" line */\n", r, 4, &n,
					&why), 0);
	ck_assert_int_eq(n, 0);
}
END_TEST

static void bad_regions(const char *src, const char *want)
{
	struct splice_region r[4];
	int n;
	const char *why = "";
	ck_assert_msg(splice_regions(src, r, 4, &n, &why) == -1, "accepted: %s", src);
	ck_assert_str_eq(why, want);
}

TEST(regions_refused)
{
	bad_regions("x(); /* ---- TODO 1 begins ---- */\n" E("1"),
		    "line 1: a TODO marker must be alone on its line, `/* ---- TODO <id> begins ---- */` or `ends`");
	bad_regions(B("A") E("A"), "line 1: a TODO marker must be alone on its line, "
		    "`/* ---- TODO <id> begins ---- */` or `ends`");
	bad_regions(B("1") E("1") B("1") E("1"), "line 3: a second TODO 1 region");
	bad_regions(B("1") B("2") E("2") E("1"), "line 2: TODO 2 begins inside TODO 1 (line 1)");
	bad_regions(E("1"), "line 1: TODO 1 ends where it does not begin");
	bad_regions(B("1") E("2"), "line 2: TODO 2 ends where it does not begin");
	bad_regions("a\n" B("1") "b\n", "line 2: TODO 1 begins and never ends");
	bad_regions(B("1") E("1") B("2") E("2") B("3") E("3") B("4") E("4") B("5") E("5"),
		    "line 9: more than 4 TODO regions");
}
END_TEST

TEST(outside_diff)
{
	struct splice_region ra[4], rb[4];
	int na, nb;
	const char *why;
	const char *sol = "int a;\n" B("1") "\treal1();\n\tmore();\n" E("1") "int b;\n" B("2b") "\treal2();\n" E("2b")
			  "int c;\n";
	splice_regions(two, ra, 4, &na, &why);
	splice_regions(sol, rb, 4, &nb, &why);
	ck_assert_int_eq(splice_outside_diff(two, ra, na, sol, rb, nb), 0);
	const char *off = "int a;\n" B("1") "\treal1();\n" E("1") "int B;\n" B("2b") E("2b") "int c;\n";
	splice_regions(off, rb, 4, &nb, &why);
	ck_assert_int_eq(splice_outside_diff(two, ra, na, off, rb, nb), 5);
	const char *renamed = "int a;\n" B("1") E("1") "int b;\n" B("2") E("2") "int c;\n";
	splice_regions(renamed, rb, 4, &nb, &why);
	ck_assert_int_eq(splice_outside_diff(two, ra, na, renamed, rb, nb), 5);
	const char *fewer = "int a;\n" B("1") E("1") "int b;\n";
	splice_regions(fewer, rb, 4, &nb, &why);
	ck_assert_int_ne(splice_outside_diff(two, ra, na, fewer, rb, nb), 0);
}
END_TEST

/* ---- mutants' sections ---- */

TEST(sections_parsed)
{
	struct splice_section s[4];
	int n, line;
	const char *why;
	const char *text = "//@ TODO 2b\n\tbad2();\n\n//@ TODO 1\n\tbad1();";
	ck_assert_int_eq(splice_sections(text, s, 4, &n, &line, &why), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(s[0].id, "2b");
	ck_assert_int_eq(s[0].line, 3);   /* file line: text starts at line 2 */
	ck_assert_uint_eq(s[0].len, strlen("\tbad2();\n\n"));
	ck_assert(!strncmp(s[0].body, "\tbad2();\n\n", s[0].len));
	ck_assert_str_eq(s[1].id, "1");
	ck_assert_int_eq(s[1].line, 6);
	ck_assert_uint_eq(s[1].len, strlen("\tbad1();"));
	ck_assert_int_eq(splice_sections("//@ TODO 4a\n", s, 4, &n, &line, &why), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(s[0].len, 0);   /* an empty section empties its region */
}
END_TEST

static void bad_sections(const char *text, int want_line, const char *want)
{
	struct splice_section s[4];
	int n, line = -1;
	const char *why = "";
	ck_assert_msg(splice_sections(text, s, 4, &n, &line, &why) == -1, "accepted: %s", text);
	ck_assert_str_eq(why, want);
	ck_assert_int_eq(line, want_line);
}

TEST(sections_refused)
{
	bad_sections("", 1, "no `//@ TODO <id>` section (a mutant names the regions it replaces)");
	bad_sections("\tcode();\n//@ TODO 1\n", 2, "code before the first `//@ TODO <id>` line");
	bad_sections("\n//@ TODO 1\n", 2, "code before the first `//@ TODO <id>` line");
	bad_sections("//@ TODO 1\nx();\n//@ TODO 1\n", 4, "a second `//@ TODO 1` section");
	bad_sections("//@ TODO X\n", 2, "a section line must be `//@ TODO <id>`, id 1-15 of [0-9a-z]");
	bad_sections("//@TODO 1\n", 2, "a section line must be `//@ TODO <id>`, id 1-15 of [0-9a-z]");
	bad_sections("//@ TODO 1\n" E("1"), 3,
		     "a region marker inside a section: the body would break the region it is spliced into");
}
END_TEST

TEST(apply_replaces_named_regions_only)
{
	struct splice_region r[4];
	struct splice_section s[4];
	struct splice_map map[4];
	int nr, ns, line;
	const char *why;
	splice_regions(two, r, 4, &nr, &why);
	ck_assert_int_eq(splice_sections("//@ TODO 2b\n\tm1();\n\tm2();", s, 4, &ns, &line, &why), 0);
	char *out = splice_apply(two, r, nr, s, ns, map, &why);
	ck_assert_str_eq(out, "int a;\n" B("1") "\tstub1();\n" E("1") "int b;\n" B("2b") "\tm1();\n\tm2();\n" E("2b")
			 "int c;\n");
	ck_assert_int_eq(map[0].at, 7);     /* out's line 7 is the mutant's line 3 */
	ck_assert_int_eq(map[0].from, 3);
	ck_assert_int_eq(map[0].lines, 2);
	free(out);
	ck_assert_int_eq(splice_sections("//@ TODO 1\n", s, 4, &ns, &line, &why), 0);
	out = splice_apply(two, r, nr, s, ns, map, &why);
	ck_assert_str_eq(out, "int a;\n" B("1") E("1") "int b;\n" B("2b") E("2b") "int c;\n");
	free(out);
	ck_assert_int_eq(splice_sections("//@ TODO 9\nx();\n", s, 4, &ns, &line, &why), 0);
	ck_assert_ptr_null(splice_apply(two, r, nr, s, ns, map, &why));
	ck_assert_str_eq(why, "line 2: no region TODO 9 in the file it is spliced into");
}
END_TEST

/* ---- mem_lab's own files (make runs the suite from the kit's root) ---- */

static char *kit_text(const char *path)
{
	char *t = read_file(path, NULL, 1 << 20);
	ck_assert_msg(t != NULL, "%s: cannot read it (the suite runs from the kit's root)", path);
	return t;
}

TEST(mem_lab_files)
{
	char *sk = kit_text("skeleton/mem_lab/sample-qemu.c"), *so = kit_text("solution/mem_lab/sample-qemu.c");
	struct splice_region rs[SPLICE_MAX_REGIONS], rr[SPLICE_MAX_REGIONS];
	int ns, nr;
	const char *why;
	ck_assert_msg(splice_regions(sk, rs, SPLICE_MAX_REGIONS, &ns, &why) == 0, "skeleton: %s", why);
	ck_assert_msg(splice_regions(so, rr, SPLICE_MAX_REGIONS, &nr, &why) == 0, "reference: %s", why);
	const char *ids[] = { "3", "1", "4a", "4b", "2" };
	ck_assert_int_eq(ns, 5);
	ck_assert_int_eq(nr, 5);
	for (int i = 0; i < 5; i++) {
		ck_assert_str_eq(rs[i].id, ids[i]);
		ck_assert_str_eq(rr[i].id, ids[i]);
	}
	ck_assert_int_eq(splice_outside_diff(sk, rs, ns, so, rr, nr), 0);
	/* Every mutant splices into the reference, stays equal to it outside
	 * the regions, and changes at least one region body. */
	char **names;
	int n = list_suffix("labs/mem_lab/mutants", ".c", &names);
	ck_assert_int_ge(n, 15);
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("labs/mem_lab/mutants/%s", names[i]), *m = kit_text(path);
		char *body = strchr(m, '\n');
		struct splice_section sec[SPLICE_MAX_REGIONS];
		struct splice_map map[SPLICE_MAX_REGIONS];
		int nsec, line;
		ck_assert_msg(body && splice_sections(body + 1, sec, SPLICE_MAX_REGIONS, &nsec, &line, &why) == 0,
			      "%s:%d: %s", path, line, why);
		char *out = splice_apply(so, rr, nr, sec, nsec, map, &why);
		ck_assert_msg(out != NULL, "%s: %s", path, why);
		struct splice_region ro[SPLICE_MAX_REGIONS];
		int no;
		ck_assert_msg(splice_regions(out, ro, SPLICE_MAX_REGIONS, &no, &why) == 0, "%s: %s", path, why);
		ck_assert_int_eq(splice_outside_diff(so, rr, nr, out, ro, no), 0);
		ck_assert_msg(strcmp(out, so), "%s: the reference itself", path);
		free(out);
		free(m);
		free(path);
	}
	free_names(names, n);
	free(sk);
	free(so);
}
END_TEST
