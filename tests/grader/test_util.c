/* test_util.c — C escaping, hashing, the compiler-output excerpt, word splitting. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "check_decl.h"
#include "util.h"

/* 60 s: a bound on a hang, not a speed target (rm_rf_any_depth's 5000 nested folders took
 * over Check's default 4 s on a 2-core machine at load 30). */
CHECK_SUITE("util", "util", NULL, NULL, 60);

TEST(c_escaping)
{
	struct buf b = {0};
	/* Quotes as they are; backslash doubled (an exact excerpt). */
	esc_c(&b, "a\n\t\"\\\x01\x7f\xff\0z", 10);
	ck_assert_str_eq(buf_str(&b), "a\\n\\t\"\\\\\\x01\\x7f\\xff\\0z");
	buf_free(&b);
}
END_TEST

TEST(utf8_shown_as_written)
{
	/* Chinese stderr: errx(1, "KVM_EXIT_IO：尚未实现") reads as written. */
	const char *zh = "vmm: KVM_EXIT_IO\xef\xbc\x9a\xe5\xb0\x9a\xe6\x9c\xaa\xe5\xae\x9e\xe7\x8e\xb0";
	struct buf b = {0};
	esc_text(&b, zh, strlen(zh));
	ck_assert_str_eq(buf_str(&b), zh);
	buf_free(&b);
	/* Quotes plain, backslash as written in esc_text. */
	esc_text(&b, "errx(1, \"bad port\\n\")", 21);
	ck_assert_str_eq(buf_str(&b), "errx(1, \"bad port\\n\")");
	buf_free(&b);
}
END_TEST

TEST(control_bytes_escaped)
{
	struct buf b = {0};
	/* ESC, CR, NUL, DEL, tab; C1 CSI (U+009B as C2 9B); an invalid byte; a
	 * truncated sequence; an overlong; a surrogate; RLO (U+202E); a valid é. */
	const char in[] = "\x1b[2J\r\0\x7f\t\xc2\x9b" "1m\xff\xe4\xbd|\xc0\xaf\xed\xa0\x80\xe2\x80\xae\xc3\xa9";
	esc_text(&b, in, sizeof in - 1);
	ck_assert_str_eq(buf_str(&b), "\\x1b[2J\\r\\0\\x7f\\t\\xc2\\x9b1m\\xff\\xe4\\xbd|\\xc0\\xaf"
			 "\\xed\\xa0\\x80\\u202e\xc3\xa9");
	buf_free(&b);
}
END_TEST

TEST(display_width)
{
	ck_assert_uint_eq(utf8_width("abc", 3), 3);
	ck_assert_uint_eq(utf8_width("\xe5\xb0\x9a\xe6\x9c\xaa", 6), 4);   /* 尚未: wide */
	ck_assert_uint_eq(utf8_width("\xc3\xa9", 2), 1);                    /* é */
	ck_assert_uint_eq(utf8_width("e\xcc\x81", 3), 1);                   /* e + combining acute */
	ck_assert_uint_eq(utf8_width("\xff", 1), 1);
}
END_TEST

/* The raw SHA-256 of data (no recipe name), as hex. */
static struct digest sha256_hex(const char *data, size_t n)
{
	struct hash h;
	sha256_init(&h.ctx);
	hash_add(&h, data, n);
	return hash_digest(&h);
}

TEST(sha256_keys)
{
	/* FIPS 180-2 test vectors, through hash_add/hash_digest. */
	ck_assert_str_eq(sha256_hex("", 0).hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ck_assert_str_eq(sha256_hex("abc", 3).hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* hash_digest leaves h as it was: one more byte continues the same stream. */
	struct hash h;
	sha256_init(&h.ctx);
	hash_add(&h, "ab", 2);
	struct digest ab = hash_digest(&h);
	hash_add(&h, "c", 1);
	ck_assert_str_eq(hash_digest(&h).hex, sha256_hex("abc", 3).hex);
	ck_assert_str_ne(ab.hex, sha256_hex("abc", 3).hex);
	/* String chaining keeps boundaries: ("ab","c") != ("a","bc"); recipes differ. */
	struct hash x, y;
	hash_init(&x, "r");
	hash_init(&y, "r");
	hash_str(&x, "ab");
	hash_str(&x, "c");
	hash_str(&y, "a");
	hash_str(&y, "bc");
	ck_assert_str_ne(hash_digest(&x).hex, hash_digest(&y).hex);
	hash_init(&y, "s");
	hash_str(&y, "ab");
	hash_str(&y, "c");
	ck_assert_str_ne(hash_digest(&x).hex, hash_digest(&y).hex);
}
END_TEST

TEST(compiler_excerpt)
{
	/* Long output: start at the first error (with its "In function" line). */
	struct buf d = {0};
	for (int i = 0; i < 30; i++)
		buf_addf(&d, "x.c:%d:1: warning: unused variable\n", i);
	buf_adds(&d, "x.c: In function 'main':\nx.c:99:5: error: expected ';'\n");
	for (int i = 0; i < 30; i++)
		buf_addf(&d, "x.c:%d:1: error: more\n", 100 + i);
	char *e = build_excerpt(d.p, 20);
	ck_assert_msg(!strncmp(e, "x.c: In function 'main':\nx.c:99:5: error: expected ';'\n", 55), "%s", e);
	int lines = 0;
	for (char *p = e; *p; p++)
		lines += *p == '\n';
	ck_assert_int_eq(lines, 21);   /* 20 lines and "..." */
	free(e);
	/* Short output: all of it. */
	e = build_excerpt("a\nb: error: c\n", 20);
	ck_assert_str_eq(e, "a\nb: error: c\n");
	free(e);
	buf_free(&d);
}
END_TEST

TEST(word_splitting)
{
	char **v;
	int n = split_words("  -std=gnu11 \t-O2  -Wall ", &v);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(v[0], "-std=gnu11");
	ck_assert_str_eq(v[2], "-Wall");
	ck_assert_ptr_null(v[3]);
	free_words(v, n);
	n = split_words("", &v);
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_null(v[0]);
	free_words(v, n);
}
END_TEST

/* --json /dev/stdout or a FIFO: written into, never replaced by a rename. */
TEST(write_atomic_into_fifo)
{
	char dir[] = "/tmp/virtlab-util.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char fifo[64];
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	int rd = open(fifo, O_RDONLY | O_NONBLOCK);  /* a reader, so the writer doesn't block */
	ck_assert_int_ge(rd, 0);
	ck_assert_int_eq(write_atomic(fifo, "{}", 2, 0644), 0);
	char buf[8] = { 0 };
	ck_assert_int_eq(read(rd, buf, sizeof buf), 2);
	ck_assert_str_eq(buf, "{}");
	struct stat st;
	ck_assert_int_eq(stat(fifo, &st), 0);
	ck_assert_msg(S_ISFIFO(st.st_mode), "%s: want a FIFO still, got mode 0%o", fifo, st.st_mode);
	close(rd);
	unlink(fifo);
	rmdir(dir);
}
END_TEST

/* rm_rf clears what a killed sandbox or batch child left (a TMPDIR): any
 * depth, well past PATH_MAX, with a 0000 dir and a symlink out on the way
 * (not followed: its target survives). */
TEST(rm_rf_any_depth)
{
	char top[] = "/tmp/virtlab-rmrf.XXXXXX", keep[] = "/tmp/virtlab-keep.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(top));
	ck_assert_ptr_nonnull(mkdtemp(keep));
	int fd = open(top, O_RDONLY | O_DIRECTORY), closed = -1;
	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < 5000; i++) {
		ck_assert_int_eq(mkdirat(fd, "d", 0755), 0);
		if (i == 2500)
			ck_assert_int_eq(symlinkat(keep, fd, "out"), 0);
		int nfd = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		ck_assert_int_ge(nfd, 0);
		close(fd);
		fd = nfd;
		if (i == 4000)
			closed = dup(fd);
	}
	close(openat(fd, "file", O_WRONLY | O_CREAT, 0600));
	close(fd);
	ck_assert_int_eq(fchmod(closed, 0), 0);   /* made unreadable once filled */
	close(closed);
	rm_rf(top);
	ck_assert_msg(access(top, F_OK) != 0 && errno == ENOENT,
		      "%s: want it gone after rm_rf, got %s", top,
		      access(top, F_OK) == 0 ? "still there" : strerror(errno));
	ck_assert_msg(access(keep, F_OK) == 0, "%s: a symlink's target was removed", keep);
	rmdir(keep);
}
END_TEST
