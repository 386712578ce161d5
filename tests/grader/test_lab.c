/* test_lab.c — lab.conf parsing. */
#include <check.h>
#include <string.h>

#include "lab.h"
#include "check_decl.h"

static char err[600];

CHECK_SUITE("lab", "lab.conf", NULL, NULL, 0);

TEST(good_conf)
{
	struct lab lab;
	const char *text = "# comment\nname = cpu_lab\nsource = sample-qemu.c   # trailing comment\n"
			   "cflags = -std=gnu11 -O2 -Wall\nldflags =\n\ntimeout = 2.5\nout_cap = 4096\n";
	ck_assert_msg(lab_parse("l.conf", text, &lab, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(lab.name, "cpu_lab");
	ck_assert_str_eq(lab.source, "sample-qemu.c");
	ck_assert_str_eq(lab.cflags, "-std=gnu11 -O2 -Wall");
	ck_assert_str_eq(lab.ldflags, "");
	ck_assert(lab.timeout == 2.5);
	ck_assert_uint_eq(lab.out_cap, 4096);
	lab_free(&lab);
	ck_assert_msg(lab_parse("l.conf", "source = a.c\ninsn_budget = 2500000\n", &lab, err, sizeof err) == 0,
		      "%s", err);
	ck_assert_uint_eq(lab.insn_budget, 2500000);
	lab_free(&lab);
}
END_TEST

TEST(defaults)
{
	struct lab lab;
	ck_assert_int_eq(lab_parse("l.conf", "source = a.c\n", &lab, err, sizeof err), 0);
	ck_assert(lab.timeout == LAB_DEFAULT_TIMEOUT);
	ck_assert_uint_eq(lab.insn_budget, LAB_DEFAULT_INSN_BUDGET);
	ck_assert_uint_eq(lab.out_cap, LAB_DEFAULT_OUT_CAP);
	ck_assert_str_eq(lab.cflags, "");
	lab_free(&lab);
}
END_TEST

static void bad(const char *text, const char *want)
{
	struct lab lab;
	ck_assert_msg(lab_parse("l.conf", text, &lab, err, sizeof err) == -1, "expected error '%s'", want);
	ck_assert_msg(strstr(err, want) == err, "expected '%s', got '%s'", want, err);
}

TEST(errors_name_file_and_line)
{
	bad("source = a.c\ncolour = red\n", "l.conf:2: unknown key 'colour'");
	bad("source = a.c\n\nsource = b.c\n", "l.conf:3: duplicate key 'source'");
	bad("source = a.c\njust words\n", "l.conf:2: expected `key = value`");
	bad("source = a.c\ntimeout = 0\n", "l.conf:2: timeout");
	bad("source = a.c\ntimeout = fast\n", "l.conf:2: timeout");
	bad("source = a.c\nout_cap = -5\n", "l.conf:2: out_cap");
	bad("source = a.c\ninsn_budget = 0\n", "l.conf:2: insn_budget");
	bad("source = a.c\ninsn_budget = 1e6\n", "l.conf:2: insn_budget");
	bad("source = a.c\ninsn_budget = -3\n", "l.conf:2: insn_budget");
	bad("source = a.c\ninsn_budget = 100000000001\n", "l.conf:2: insn_budget");
	bad("source = ../etc/passwd\n", "l.conf:1: source");
	bad("name = x\n", "l.conf:1: missing required key 'source'");
	bad("source = a.c\n = x\n", "l.conf:2: missing key");
}
END_TEST

/* Keys a second lab needs: cpu_lab's values by default. */
TEST(image_max_and_splice_label)
{
	struct lab lab;
	ck_assert_int_eq(lab_parse("l.conf", "source = a.c\n", &lab, err, sizeof err), 0);
	ck_assert_uint_eq(lab.image_max, 48 * 1024);
	ck_assert_str_eq(lab.splice_label, "case KVM_EXIT_IO:");
	lab_free(&lab);
	ck_assert_msg(lab_parse("l.conf", "source = a.c\nimage_max = 1048576\nsplice_label = case KVM_EXIT_MMIO:\n",
				&lab, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(lab.image_max, 1048576);
	ck_assert_str_eq(lab.splice_label, "case KVM_EXIT_MMIO:");
	lab_free(&lab);
	ck_assert_int_eq(lab_parse("l.conf", "source = a.c\nimage_max = 0\n", &lab, err, sizeof err), -1);
	ck_assert_str_eq(err, "l.conf:2: image_max must be a positive number of bytes");
	ck_assert_int_eq(lab_parse("l.conf", "source = a.c\nsplice_label = KVM_EXIT_IO\n", &lab, err, sizeof err), -1);
	ck_assert_str_eq(err, "l.conf:2: splice_label must be a `case NAME:` label");
}
END_TEST
