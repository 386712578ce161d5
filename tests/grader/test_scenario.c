/* test_scenario.c — the scenario header: good headers and each error kind,
 * which must name file:line; assembling: the image cache and its key (the
 * source, the includes beside it, the seed). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenario.h"
#include "check_decl.h"

static char err[600];

/* Parses text as "g/x.asm"; returns parse's rc, sc filled. */
static int parse(const char *text, struct scenario *sc)
{
	memset(sc, 0, sizeof *sc);
	err[0] = '\0';
	return scenario_parse("g/x.asm", text, sc, err, sizeof err);
}

/* The parse fails and err starts with want (file:line: ...). */
static void expect_error(const char *text, const char *want)
{
	struct scenario sc;
	int rc = parse(text, &sc);
	ck_assert_msg(rc == -1, "expected parse error '%s', got success", want);
	ck_assert_msg(strstr(err, want) == err, "expected error starting '%s', got '%s'", want, err);
	scenario_free(&sc);
}

CHECK_SUITE("scenario", "header", NULL, NULL, 0);

TEST(minimal_header)
{
	struct scenario sc;
	ck_assert_int_eq(parse("; title: Hello\n; points: 3\nbits 16\n", &sc), 0);
	ck_assert_str_eq(sc.title, "Hello");
	ck_assert_int_eq(sc.points, 3);
	ck_assert_int_eq(sc.hidden, 0);
	ck_assert_int_eq(sc.emu_only, 0);
	ck_assert_int_eq(sc.random, 0);
	ck_assert_ptr_null(sc.hint);
	ck_assert_ptr_null(sc.pin_out);
	ck_assert_int_eq(sc.pin_exit, EXIT_UNSET);
	ck_assert(sc.timeout == 0);
	ck_assert_uint_eq(sc.insn_budget, 0);
	scenario_free(&sc);
}
END_TEST

TEST(full_header)
{
	struct scenario sc;
	const char *text =
		"; title: Batch\n"
		"; points: 0\n"
		"; visibility: hidden\n"
		"; backend: emu\n"
		"; emu-env: KVMEMU_STRING_BATCH=1 KVMEMU_PIO_OFFSET=8192\n"
		"; random: yes\n"
		"; hint: count > 1 is an error: see run->io.count\n"
		"; expect-exit: error\n"
		"; expect-stdout: \"a\\tb\\n\\x41\\101\\\\\\\"\\0z\"\n"
		"; timeout: 1.5\n"
		"; insn-budget: 123456\n"
		";\n"
		"; prose: not a header line any more? it is; header ended above\n";
	ck_assert_msg(parse(text, &sc) == 0, "parse failed: %s", err);
	ck_assert_int_eq(sc.points, 0);
	ck_assert_int_eq(sc.hidden, 1);
	ck_assert_int_eq(sc.emu_only, 1);
	ck_assert_str_eq(sc.emu_env[0], "KVMEMU_STRING_BATCH=1");
	ck_assert_str_eq(sc.emu_env[1], "KVMEMU_PIO_OFFSET=8192");
	ck_assert_ptr_null(sc.emu_env[2]);
	ck_assert_int_eq(sc.random, 1);
	ck_assert_str_eq(sc.hint, "count > 1 is an error: see run->io.count");
	ck_assert_int_eq(sc.pin_exit, EXIT_ERROR_CLASS);
	ck_assert_uint_eq(sc.pin_out_len, 10);
	ck_assert(memcmp(sc.pin_out, "a\tb\nAA\\\"\0z", 10) == 0);
	ck_assert(sc.timeout == 1.5);
	ck_assert_uint_eq(sc.insn_budget, 123456);
	scenario_free(&sc);
}
END_TEST

TEST(header_ends_at_first_other_line)
{
	/* The ";" line ends the header: "; points" after it is prose. */
	expect_error("; title: T\n;\n; points: 2\n", "g/x.asm:2: missing required key 'points'");
}
END_TEST

TEST(crlf_header)
{
	struct scenario sc;
	ck_assert_msg(parse("; title: T\r\n; points: 2\r\nbits 16\r\n", &sc) == 0, "%s", err);
	ck_assert_str_eq(sc.title, "T");
	scenario_free(&sc);
}
END_TEST

TEST(errors_name_file_and_line)
{
	expect_error("", "g/x.asm:1: missing required key 'title'");
	expect_error("; points: 1\nbits 16\n", "g/x.asm:2: missing required key 'title'");
	expect_error("; title: T\nbits 16\n", "g/x.asm:2: missing required key 'points'");
	expect_error("; title: T\n; points: 1\n; colour: red\n", "g/x.asm:3: unknown key 'colour'");
	expect_error("; title: T\n; title: U\n; points: 1\n", "g/x.asm:2: duplicate key 'title'");
	expect_error("; title: T\n; points: -1\n", "g/x.asm:2: points: points must be an integer");
	expect_error("; title: T\n; points: 3x\n", "g/x.asm:2: points:");
	expect_error("; title: T\n; points: 99999999999\n", "g/x.asm:2: points:");
	expect_error("; title: T\n; points: 1\n; visibility: secret\n", "g/x.asm:3: visibility:");
	expect_error("; title: T\n; points: 1\n; backend: kvm\n", "g/x.asm:3: backend:");
	expect_error("; title: T\n; points: 1\n; random: maybe\n", "g/x.asm:3: random:");
	expect_error("; title: T\n; points: 1\n; expect-exit: 0\n", "g/x.asm:3: expect-exit:");
	expect_error("; title: T\n; points: 1\n; timeout: 0\n", "g/x.asm:3: timeout:");
	expect_error("; title: T\n; points: 1\n; timeout: soon\n", "g/x.asm:3: timeout:");
	expect_error("; title: T\n; points: 1\n; insn-budget: 0\n", "g/x.asm:3: insn-budget:");
	expect_error("; title: T\n; points: 1\n; insn-budget: lots\n", "g/x.asm:3: insn-budget:");
	expect_error("; title:\n; points: 1\n", "g/x.asm:1: title: empty value");
	expect_error("; title: a\x1b[2Jb\n; points: 1\n", "g/x.asm:1: title: control character");
}
END_TEST

TEST(bad_expect_stdout)
{
	expect_error("; title: T\n; points: 1\n; expect-stdout: hello\n", "g/x.asm:3: expect-stdout:");
	expect_error("; title: T\n; points: 1\n; expect-stdout: \"abc\n", "g/x.asm:3: expect-stdout:");
	expect_error("; title: T\n; points: 1\n; expect-stdout: \"a\\qb\"\n", "g/x.asm:3: expect-stdout: bad escape");
	expect_error("; title: T\n; points: 1\n; expect-stdout: \"a\\\"\n", "g/x.asm:3: expect-stdout:");
	expect_error("; title: T\n; points: 1\n; expect-stdout: \"a\"b\"\n", "g/x.asm:3: expect-stdout:");
	expect_error("; title: T\n; points: 1\n; expect-stdout: \"\\777\"\n", "g/x.asm:3: expect-stdout: bad escape");
}
END_TEST

TEST(empty_expect_stdout_is_valid)
{
	struct scenario sc;
	ck_assert_msg(parse("; title: T\n; points: 1\n; expect-stdout: \"\"\n", &sc) == 0, "%s", err);
	ck_assert_ptr_nonnull(sc.pin_out);
	ck_assert_uint_eq(sc.pin_out_len, 0);
	scenario_free(&sc);
}
END_TEST

TEST(emu_env_rules)
{
	expect_error("; title: T\n; points: 1\n; emu-env: KVMEMU_QUIET=1\n",
		     "g/x.asm:3: emu-env requires 'backend: emu'");
	expect_error("; title: T\n; points: 1\n; backend: emu\n; emu-env: LD_PRELOAD=/x.so\n",
		     "g/x.asm:4: emu-env:");
	expect_error("; title: T\n; points: 1\n; backend: emu\n; emu-env: KVMEMU_X\n", "g/x.asm:4: emu-env:");
}
END_TEST

TEST(discover_sorted_and_errors)
{
	char dir[] = "/tmp/virtlab-test-scen.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[600];
	const char *names[] = { "b.asm", "a.asm", "c.txt" };
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "w");
		fputs("; title: T\n; points: 1\nhlt\n", f);
		fclose(f);
	}
	struct scenario *v;
	int n = scenario_discover(dir, &v, err, sizeof err);
	ck_assert_msg(n == 2, "expected 2 scenarios, got %d (%s)", n, err);
	ck_assert_str_eq(v[0].name, "a");
	ck_assert_str_eq(v[1].name, "b");
	scenarios_free(v, n);

	snprintf(path, sizeof path, "%s/bad.asm", dir);
	FILE *f = fopen(path, "w");
	fputs("; title: T\n; pionts: 1\n", f);
	fclose(f);
	ck_assert_int_eq(scenario_discover(dir, &v, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "bad.asm:2: unknown key 'pionts'"), "got '%s'", err);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

TEST(assemble_caches_and_reports_errors)
{
	char dir[] = "/tmp/virtlab-test-asm.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[600];
	snprintf(path, sizeof path, "%s/g.asm", dir);
	FILE *f = fopen(path, "w");
	fputs("; title: T\n; points: 1\nbits 16\norg 0x1000\ndb SEED\n", f);
	fclose(f);
	struct scenario sc = { .name = "g", .path = path, .random = 1 };
	char *a = scenario_assemble(&sc, 7, dir, err, sizeof err);
	ck_assert_msg(a != NULL, "assemble failed: %s", err);
	char *b = scenario_assemble(&sc, 7, dir, err, sizeof err);
	char *c = scenario_assemble(&sc, 8, dir, err, sizeof err);
	ck_assert_str_eq(a, b);       /* cached under the same key */
	ck_assert_str_ne(a, c);       /* a new seed is a new image */
	free(a); free(b); free(c);

	f = fopen(path, "w");
	fputs("; title: T\n; points: 1\nbits 16\nmov ax, [nowhere\n", f);
	fclose(f);
	ck_assert_ptr_null(scenario_assemble(&sc, 7, dir, err, sizeof err));
	ck_assert_msg(strstr(err, "g.asm:4:"), "nasm's error should name g.asm:4, got '%s'", err);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ---- includes: nasm finds them, the cache key covers them ----------- */

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[600];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

/* The image's bytes, as a string (the test images are printable). */
static void expect_image(const char *img, const char *want)
{
	char got[64] = "";
	FILE *f = fopen(img, "rb");
	ck_assert_msg(f != NULL, "no image %s", img);
	size_t n = fread(got, 1, sizeof got - 1, f);
	fclose(f);
	got[n] = '\0';
	ck_assert_str_eq(got, want);
}

static void rm_rf(const char *dir)
{
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

#define INC_GUEST "; title: T\n; points: 1\n%include \"lib.inc\"\ndb \"!\"\n"

TEST(assemble_finds_includes_beside_the_scenario)
{
	/* The grader passes paths relative to the lab's root (guests/<lab>/x.asm):
	 * nasm must look for includes in the scenario's folder, not in the
	 * current one. Also a bare name (the folder is "."). */
	char dir[] = "/tmp/virtlab-test-inc.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char sub[600];
	snprintf(sub, sizeof sub, "%s/guests", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	write_text(sub, "lib.inc", "db \"lib\"\n");
	write_text(sub, "g.asm", INC_GUEST);
	int here = open(".", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(here, 0);
	ck_assert_int_eq(chdir(dir), 0);

	struct scenario sc = { .name = "g", .path = "guests/g.asm" };
	char *img = scenario_assemble(&sc, 1, ".", err, sizeof err);
	ck_assert_msg(img != NULL, "assemble failed: %s", err);
	expect_image(img, "lib!");
	free(img);

	ck_assert_int_eq(chdir("guests"), 0);
	sc.path = "g.asm";
	img = scenario_assemble(&sc, 1, "..", err, sizeof err);
	ck_assert_msg(img != NULL, "assemble failed: %s", err);
	expect_image(img, "lib!");
	free(img);

	/* A missing include: nasm's error names the scenario's line. */
	ck_assert_int_eq(rename("lib.inc", "lib.old"), 0);
	ck_assert_ptr_null(scenario_assemble(&sc, 1, "..", err, sizeof err));
	ck_assert_msg(strstr(err, "g.asm:3:") && strstr(err, "lib.inc"), "got '%s'", err);

	ck_assert_int_eq(fchdir(here), 0);
	close(here);
	rm_rf(dir);
}
END_TEST

TEST(assemble_key_covers_includes)
{
	char dir[] = "/tmp/virtlab-test-key.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[600], cache[600];
	snprintf(path, sizeof path, "%s/g.asm", dir);
	snprintf(cache, sizeof cache, "%s/cache", dir);
	ck_assert_int_eq(mkdir(cache, 0755), 0);
	write_text(dir, "g.asm", INC_GUEST);
	write_text(dir, "lib.inc", "db \"one\"\n");
	struct scenario sc = { .name = "g", .path = path };

	char *a = scenario_assemble(&sc, 1, cache, err, sizeof err);
	ck_assert_msg(a != NULL, "assemble failed: %s", err);
	expect_image(a, "one!");
	char *same = scenario_assemble(&sc, 1, cache, err, sizeof err);
	ck_assert_str_eq(a, same);          /* nothing changed: the cached image */
	free(same);

	/* An edited include: a new key, a new image, never the stale one. */
	write_text(dir, "lib.inc", "db \"two\"\n");
	char *b = scenario_assemble(&sc, 1, cache, err, sizeof err);
	ck_assert_msg(b != NULL, "assemble failed: %s", err);
	ck_assert_str_ne(a, b);
	expect_image(b, "two!");
	expect_image(a, "one!");            /* the old image is left alone */

	/* Back to the first content: the first key again (content, not mtime). */
	write_text(dir, "lib.inc", "db \"one\"\n");
	same = scenario_assemble(&sc, 1, cache, err, sizeof err);
	ck_assert_str_eq(a, same);
	free(same);

	/* Files that aren't *.inc don't count; another *.inc (added, then
	 * removed) does: the grader can't tell which ones a scenario includes. */
	write_text(dir, "notes.txt", "db \"not an include\"\n");
	write_text(dir, "other.asm", "; title: T\n; points: 1\nhlt\n");
	same = scenario_assemble(&sc, 1, cache, err, sizeof err);
	ck_assert_str_eq(a, same);
	free(same);
	write_text(dir, "extra.inc", "; not included by g.asm\n");
	char *c = scenario_assemble(&sc, 1, cache, err, sizeof err);
	ck_assert_msg(c != NULL, "assemble failed: %s", err);
	ck_assert_str_ne(a, c);
	ck_assert_str_ne(b, c);
	expect_image(c, "one!");
	char other[600];
	snprintf(other, sizeof other, "%s/extra.inc", dir);
	ck_assert_int_eq(unlink(other), 0);
	same = scenario_assemble(&sc, 1, cache, err, sizeof err);
	ck_assert_str_eq(a, same);
	free(same);

	/* A renamed include is another key too (names are hashed with contents). */
	write_text(dir, "g.asm", "; title: T\n; points: 1\n%include \"lib2.inc\"\ndb \"!\"\n");
	char *d1 = scenario_assemble(&sc, 1, cache, err, sizeof err);
	ck_assert_ptr_null(d1);             /* no lib2.inc yet */
	write_text(dir, "lib2.inc", "db \"one\"\n");
	snprintf(other, sizeof other, "%s/lib.inc", dir);
	ck_assert_int_eq(unlink(other), 0);
	char *d = scenario_assemble(&sc, 1, cache, err, sizeof err);
	ck_assert_msg(d != NULL, "assemble failed: %s", err);
	ck_assert_str_ne(a, d);
	expect_image(d, "one!");

	/* A randomized scenario: the seed and the includes are both in the key. */
	write_text(dir, "g.asm", "; title: T\n; points: 1\n; random: yes\n%include \"lib2.inc\"\ndb SEED\n");
	sc.random = 1;
	char *r65 = scenario_assemble(&sc, 65, cache, err, sizeof err);
	char *r66 = scenario_assemble(&sc, 66, cache, err, sizeof err);
	ck_assert_msg(r65 && r66, "assemble failed: %s", err);
	ck_assert_str_ne(r65, r66);
	expect_image(r65, "oneA");
	expect_image(r66, "oneB");
	write_text(dir, "lib2.inc", "db \"two\"\n");
	char *r65b = scenario_assemble(&sc, 65, cache, err, sizeof err);
	ck_assert_msg(r65b != NULL, "assemble failed: %s", err);
	ck_assert_str_ne(r65, r65b);
	expect_image(r65b, "twoA");

	/* An include that can't be read is an error naming it. */
	char bad[600];
	snprintf(bad, sizeof bad, "%s/dir.inc", dir);
	ck_assert_int_eq(mkdir(bad, 0755), 0);
	ck_assert_ptr_null(scenario_assemble(&sc, 1, cache, err, sizeof err));
	ck_assert_msg(strstr(err, "dir.inc: "), "the error should name dir.inc, got '%s'", err);

	free(a); free(b); free(c); free(d); free(r65); free(r66); free(r65b);
	rm_rf(dir);
}
END_TEST
