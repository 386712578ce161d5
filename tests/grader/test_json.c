/* test_json.c — the results writers: valid JSON for any bytes a student
 * prints, Gradescope's schema, visibility of hidden scenarios. Validity is
 * checked by python3's json module (the way Gradescope reads the file). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "check_decl.h"

#define PY "/usr/bin/python3"

/* Writes text to a temp file and runs a python snippet on it (sys.argv[1]);
 * returns the snippet's exit status. */
static int python_on(const char *text, size_t n, const char *snippet)
{
	char path[] = "/tmp/virtlab-test-json.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
	close(fd);
	char *cmd = xasprintf("%s -c '%s' %s", PY, snippet, path);
	int rc = system(cmd);
	free(cmd);
	unlink(path);
	return rc;
}

CHECK_SUITE("results", "json", NULL, NULL, 30);

TEST(escape_all_bytes_roundtrip)
{
	/* Every byte value, and valid UTF-8 (é, €, 😀): the result must load,
	 * and decode to the input with each invalid byte replaced by U+FFFD. */
	struct buf in = {0}, js = {0};
	for (int c = 0; c < 256; c++)
		buf_addc(&in, (char)c);
	buf_adds(&in, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
		      "\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82 \xc3");  /* overlong, surrogate, >10FFFF, cut */
	esc_json(&js, in.p, in.len);
	ck_assert_msg(python_on(js.p, js.len,
		"import json,sys; s=json.load(open(sys.argv[1],encoding=\"utf-8\")); "
		"exp=bytes(range(256))+b\"caf\\xc3\\xa9 \\xe2\\x82\\xac \\xf0\\x9f\\x98\\x80 \\xc0\\xaf \\xed\\xa0\\x80 \\xf4\\x90\\x80\\x80 \\xe2\\x82 \\xc3\"; "
		"want=exp.decode(\"utf-8\",\"replace\"); "
		"import re; norm=lambda t: re.sub(\"\\ufffd+\",\"?\",t); "
		"sys.exit(0 if norm(s)==norm(want) else 1)") == 0,
		"escaped JSON did not load or round-trip: %s", js.p);
	/* No raw control bytes in the output, whatever came in. */
	for (size_t i = 0; i < js.len; i++)
		ck_assert_msg((unsigned char)js.p[i] >= 0x20, "raw control byte 0x%02x at %zu", js.p[i], i);
	buf_free(&in);
	buf_free(&js);
}
END_TEST

TEST(utf8_validation)
{
	ck_assert_int_eq(utf8_seq_len((const unsigned char *)"a", 1), 1);
	ck_assert_int_eq(utf8_seq_len((const unsigned char *)"\xc3\xa9", 2), 2);
	ck_assert_int_eq(utf8_seq_len((const unsigned char *)"\xc3", 1), 0);          /* cut */
	ck_assert_int_eq(utf8_seq_len((const unsigned char *)"\xc0\xaf", 2), 0);      /* overlong */
	ck_assert_int_eq(utf8_seq_len((const unsigned char *)"\xe0\x80\xaf", 3), 0);  /* overlong */
	ck_assert_int_eq(utf8_seq_len((const unsigned char *)"\xed\xa0\x80", 3), 0);  /* surrogate */
	ck_assert_int_eq(utf8_seq_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
	ck_assert_int_eq(utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
	ck_assert_int_eq(utf8_seq_len((const unsigned char *)"\x80", 1), 0);          /* lone continuation */
}
END_TEST

/* A grading of two scenarios: a pass, and a hidden failure whose output is
 * hostile bytes. */
static struct scenario sc[2];
static struct sc_result res[2];
static char hostile[] = "\x00\x01\"\\\n\t\xff\xfe\x1b[2J</script>\xc3(\xed\xa0\x80 end";

static struct grading make_grading(void)
{
	memset(sc, 0, sizeof sc);
	memset(res, 0, sizeof res);
	sc[0] = (struct scenario){ .name = "hello", .title = "Hello \"world\"", .points = 3 };
	sc[1] = (struct scenario){ .name = "evil", .title = "bytes", .points = 2, .hidden = 1, .hint = "look at the bytes" };
	res[0] = (struct sc_result){ .sc = &sc[0], .backend = BACKEND_KVM, .ran = 1, .score = 3 };
	res[0].v.pass = 1;
	res[0].v.diff_at = NO_DIFF;
	res[1] = (struct sc_result){ .sc = &sc[1], .backend = BACKEND_EMU, .ran = 1 };
	res[1].exp = (struct expectation){ .ok = 1, .cls = EXIT_SUCCESS_CLASS, .out = "ok\n", .out_len = 3 };
	res[1].run = (struct run_outcome){ .end = END_EXITED, .code = 0, .out = hostile,
					   .out_len = sizeof hostile - 1, .err = hostile, .err_len = sizeof hostile - 1 };
	judge(&res[1].exp, &res[1].run, &res[1].v);
	struct grading g = {
		.submission = "sub\xff.c", .lab = "cpu_lab", .layer = "bubblewrap", .backend_desc = "kvm",
		.res = res, .n = 2, .score = 3, .max = 5, .elapsed_s = 1.25,
	};
	g.build.ok = 1;
	return g;
}

TEST(gradescope_schema)
{
	struct grading g = make_grading();
	struct buf b = {0};
	ck_assert_int_eq(results_render(&b, "gradescope", &g), 0);
	ck_assert_msg(python_on(b.p, b.len,
		"import json,sys; r=json.load(open(sys.argv[1])); t=r[\"tests\"]; "
		"assert r[\"score\"]==3 and r[\"max_score\"]==5, r; "
		"assert isinstance(r[\"execution_time\"],(int,float)) and isinstance(r[\"output\"],str); "
		"assert [x[\"status\"] for x in t]==[\"passed\",\"failed\"], t; "
		"assert [x[\"visibility\"] for x in t]==[\"visible\",\"after_published\"], t; "
		"assert [x[\"score\"] for x in t]==[3,0] and [x[\"max_score\"] for x in t]==[3,2], t; "
		"assert [x[\"number\"] for x in t]==[\"1\",\"2\"], t; "
		"assert t[1][\"output\"]==\"failed (hidden scenario: no details; cause wrong-output)\\n\", t[1]; "
		"assert \"evil\" not in r[\"output\"], \"hidden scenario leaked into the top-level output\"; "
		"assert r[\"output\"].rstrip().endswith(\"Score: 3/5\"), r[\"output\"]") == 0,
		"gradescope JSON invalid or wrong:\n%s", b.p);
	buf_free(&b);
}
END_TEST

TEST(other_formats_valid)
{
	struct grading g = make_grading();
	const char *fmts[] = { "prairielearn", "autolab" };
	for (int i = 0; i < 2; i++) {
		struct buf b = {0};
		ck_assert_int_eq(results_render(&b, fmts[i], &g), 0);
		ck_assert_msg(python_on(b.p, b.len, "import json,sys; json.load(open(sys.argv[1]))") == 0,
			      "%s JSON invalid:\n%s", fmts[i], b.p);
		buf_free(&b);
	}
	struct buf b = {0};
	ck_assert_int_eq(results_render(&b, "csv", &g), -1);
	ck_assert_int_eq(results_valid_format("csv"), 0);
	buf_free(&b);
}
END_TEST

TEST(write_is_atomic_and_complete)
{
	struct grading g = make_grading();
	char dir[] = "/tmp/virtlab-test-res.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *path = path_join(dir, "results.json"), err[300];
	ck_assert_int_eq(results_write(path, "gradescope", &g, err, sizeof err), 0);
	size_t n;
	char *text = read_file(path, &n, 1 << 20);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(python_on(text, n, "import json,sys; json.load(open(sys.argv[1]))") == 0, "%s", text);
	char *cmd = xasprintf("test $(ls -A %s | wc -l) -eq 1 && rm -rf %s", dir, dir);
	ck_assert_msg(system(cmd) == 0, "temporary files left beside results.json");
	char *bad = xstrdup("/nonexistent-dir/results.json");
	ck_assert_int_eq(results_write(bad, "gradescope", &g, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "/nonexistent-dir/results.json"), "%s", err);
	free(bad);
	free(cmd);
	free(text);
	free(path);
}
END_TEST

TEST(text_report_escapes_student_bytes)
{
	struct grading g = make_grading();
	struct buf b = {0};
	report_text(&b, &g);
	const char *s = buf_str(&b);
	/* Newlines, printable ASCII and valid UTF-8 past the C1 controls only. */
	for (size_t i = 0; i < b.len;) {
		unsigned char c = (unsigned char)s[i];
		int len = utf8_seq_len((const unsigned char *)s + i, b.len - i);
		int c1 = len == 2 && c == 0xc2 && (unsigned char)s[i + 1] < 0xa0;
		ck_assert_msg(c == '\n' || (c >= 0x20 && c < 0x7f) || (len > 1 && !c1),
			      "raw byte 0x%02x in report at %zu:\n%s", c, i, s);
		i += len > 1 ? (size_t)len : 1;
	}
	ck_assert_msg(strstr(s, "FAIL  0/2  evil"), "%s", s);
	ck_assert_msg(strstr(s, "\\x1b[2J"), "%s", s);
	size_t n = strlen(s);
	ck_assert_msg(n > 12 && !strcmp(s + n - 11, "Score: 3/5\n"), "last line must be the score:\n%s", s);
	buf_free(&b);
}
END_TEST
