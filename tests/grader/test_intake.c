/* test_intake.c — intake (grader/core/intake.c): what a submission may be, and
 * the caps on excerpts (util.c's utf8_cut/buf_add_capped, build_excerpt). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "intake.h"
#include "check_decl.h"
#include "util.h"

static char dir[] = "/tmp/test_intake.XXXXXX";

static void setup_dir(void)
{
	strcpy(dir, "/tmp/test_intake.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown_dir(void)
{
	rm_rf(dir);
}

static char *at(const char *name)
{
	return path_join(dir, name);
}

static void put(const char *name, const char *text, size_t n)
{
	char *p = at(name);
	ck_assert_int_eq(write_atomic(p, text, n, 0644), 0);
	free(p);
}

/* intake_file on dir/name: the status, and no data unless accepted. */
static enum intake_status take(const char *name, struct intake *in)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dfd, 0);
	int rc = intake_file(dfd, name, in);
	close(dfd);
	ck_assert_int_eq(rc == 0, in->status == INTAKE_OK);
	if (rc)
		ck_assert_msg(in->data == NULL, "%s: refused (%s) but data kept", name, intake_cause(in));
	return in->status;
}

CHECK_SUITE("intake", "intake", setup_dir, teardown_dir, 0);

TEST(regular_file_read_through_fd)
{
	put("a.c", "int main(void) { return 0; }\n", 29);
	struct intake in;
	ck_assert_int_eq(take("a.c", &in), INTAKE_OK);
	ck_assert_uint_eq(in.len, 29);
	ck_assert_str_eq(in.data, "int main(void) { return 0; }\n");
	intake_free(&in);
}
END_TEST

TEST(symlinks_never_followed)
{
	put("secret", "MARKER-SECRET\n", 14);
	char *secret = at("secret"), *l1 = at("abs.c"), *l2 = at("rel.c"), *l3 = at("env.c");
	ck_assert_int_eq(symlink(secret, l1), 0);
	ck_assert_int_eq(symlink("secret", l2), 0);
	ck_assert_int_eq(symlink("/proc/self/environ", l3), 0);
	struct intake in;
	ck_assert_int_eq(take("abs.c", &in), INTAKE_SYMLINK);
	ck_assert_int_eq(take("rel.c", &in), INTAKE_SYMLINK);
	ck_assert_int_eq(take("env.c", &in), INTAKE_SYMLINK);
	ck_assert_str_eq(intake_cause(&in), "symlink");
	ck_assert(intake_refusal_is_final(&in));
	free(secret);
	free(l1);
	free(l2);
	free(l3);
}
END_TEST

TEST(fifo_and_directory_refused_without_blocking)
{
	char *f = at("fifo.c"), *d = at("dir.c");
	ck_assert_int_eq(mkfifo(f, 0644), 0);   /* no writer: a blocking open would hang */
	ck_assert_int_eq(mkdir(d, 0755), 0);
	struct intake in;
	ck_assert_int_eq(take("fifo.c", &in), INTAKE_NOT_REGULAR);
	ck_assert_int_eq(take("dir.c", &in), INTAKE_NOT_REGULAR);
	ck_assert_str_eq(intake_cause(&in), "not a regular file");
	free(f);
	free(d);
}
END_TEST

TEST(size_cap_exact)
{
	char *big = xmalloc(INTAKE_MAX_BYTES + 1);
	memset(big, 'x', INTAKE_MAX_BYTES + 1);
	put("max.c", big, INTAKE_MAX_BYTES);
	put("over.c", big, INTAKE_MAX_BYTES + 1);
	free(big);
	struct intake in;
	ck_assert_int_eq(take("max.c", &in), INTAKE_OK);
	ck_assert_uint_eq(in.len, INTAKE_MAX_BYTES);
	intake_free(&in);
	ck_assert_int_eq(take("over.c", &in), INTAKE_TOO_BIG);
	ck_assert_str_eq(intake_cause(&in), "over 1 MiB");
}
END_TEST

TEST(sparse_gigabyte_refused_by_fstat)
{
	char *p = at("sparse.c");
	int fd = open(p, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)1 << 30), 0);
	close(fd);
	struct intake in;
	ck_assert_int_eq(take("sparse.c", &in), INTAKE_TOO_BIG);
	free(p);
}
END_TEST

TEST(cap_enforced_on_what_read_returns)
{
	/* A file that grows after fstat (or lies about its size): read stops at cap + 1. */
	put("grow.c", "0123456789", 10);
	char *p = at("grow.c");
	int fd = open(p, O_RDONLY);
	struct intake in = {0};
	ck_assert_int_eq(intake_read(fd, 5, &in), -1);
	ck_assert_int_eq(in.status, INTAKE_TOO_BIG);
	ck_assert_int_eq(intake_read(fd, 10, &in), 0);
	ck_assert_str_eq(in.data, "0123456789");
	intake_free(&in);
	close(fd);
	free(p);
}
END_TEST

TEST(empty_and_missing)
{
	put("empty.c", "", 0);
	struct intake in;
	ck_assert_int_eq(take("empty.c", &in), INTAKE_EMPTY);
	ck_assert(intake_refusal_is_final(&in));
	ck_assert_int_eq(take("nothere.c", &in), INTAKE_MISSING);
	ck_assert(!intake_refusal_is_final(&in));   /* a TA's typo: a setup error */
}
END_TEST

TEST(proc_files_refused)
{
	/* Regular files by fstat, but their size lies (environ, pagemap) or
	 * reading blocks (kmsg): refused as not regular, nothing read. */
	const char *procs[] = { "/proc/self/environ", "/proc/self/pagemap", "/proc/self/mem", "/proc/self/status" };
	for (size_t i = 0; i < sizeof procs / sizeof *procs; i++) {
		struct intake in;
		int rc = intake_file(AT_FDCWD, procs[i], &in);
		ck_assert_msg(rc == -1 && in.status == INTAKE_NOT_REGULAR, "%s: expected not regular, got %s",
			      procs[i], intake_cause(&in));
		ck_assert_ptr_null(in.data);
	}
}
END_TEST

TEST(student_folder_not_followed)
{
	char *real = at("alice"), *link = at("bob");
	ck_assert_int_eq(mkdir(real, 0755), 0);
	ck_assert_int_eq(symlink(real, link), 0);
	put("carol", "x", 1);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct intake in;
	int fd = intake_open_dir(dfd, "alice", &in);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(intake_open_dir(dfd, "bob", &in), -1);
	ck_assert_int_eq(in.status, INTAKE_SYMLINK);
	ck_assert_int_eq(intake_open_dir(dfd, "carol", &in), -1);
	ck_assert_int_eq(in.status, INTAKE_NOT_REGULAR);
	close(dfd);
	free(real);
	free(link);
}
END_TEST

TEST(utf8_cut_never_splits_a_sequence)
{
	const char *s = "ab\xe4\xbd\xa0\xe5\xa5\xbd";   /* "ab你好": 2 + 3 + 3 bytes */
	size_t n = strlen(s);
	ck_assert_uint_eq(utf8_cut(s, n, 100), n);
	ck_assert_uint_eq(utf8_cut(s, n, 2), 2);
	ck_assert_uint_eq(utf8_cut(s, n, 3), 2);   /* inside 你: back to its start */
	ck_assert_uint_eq(utf8_cut(s, n, 4), 2);
	ck_assert_uint_eq(utf8_cut(s, n, 5), 5);
	ck_assert_uint_eq(utf8_cut(s, n, 7), 5);
	struct buf b = {0};
	buf_add_capped(&b, s, n, 4);
	ck_assert_str_eq(buf_str(&b), "ab [... 6 more bytes]");
	buf_free(&b);
}
END_TEST

TEST(compiler_excerpt_capped)
{
	/* A 240 KB line quoted by the compiler, with its caret line, twice. */
	struct buf d = {0};
	char *line = xmalloc(240001);
	memset(line, 'A', 240000);
	line[240000] = '\0';
	for (int i = 0; i < 2; i++)
		buf_addf(&d, "x.c:1:5: error: expected ';'\n    1 | %s\n      | %*s^\n", line, 239990, "");
	char *e = build_excerpt(d.p, BUILD_EXCERPT_LINES);
	ck_assert_msg(strlen(e) <= BUILD_EXCERPT_TOTAL_BYTES + 200, "excerpt of %zu bytes", strlen(e));
	ck_assert_ptr_nonnull(strstr(e, "x.c:1:5: error: expected ';'\n"));
	ck_assert_ptr_nonnull(strstr(e, "more bytes]"));
	for (char *p = e; *p;) {
		char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		ck_assert_msg(n <= BUILD_EXCERPT_LINE_BYTES + 40, "a line of %zu bytes", n);
		p = nl ? nl + 1 : p + n;
	}
	free(e);
	free(line);
	buf_free(&d);
}
END_TEST
