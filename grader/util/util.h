/*
 * util.h — small helpers shared by the grader: a growable byte buffer,
 * escaping (C-style for reports, JSON for results files), SHA-256 keys,
 * whole-file reads and atomic writes, and what every mode of `grade` needs
 * alike: number and path arguments, work directories, setup errors. (The
 * kit's layout is kit.h's; the command line is cli.h's.)
 */
#ifndef VIRTLAB_UTIL_H
#define VIRTLAB_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer; always NUL-terminated once anything is added. */
struct buf {
	char *p;
	size_t len, cap;
};

void buf_add(struct buf *b, const void *data, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_addc(struct buf *b, char c);
void buf_free(struct buf *b);
/* Returns a NUL-terminated string (never NULL); the buffer keeps ownership. */
const char *buf_str(struct buf *b);

/* Student text shown to people: valid UTF-8 as it is (Chinese
 * stays Chinese, quotes stay quotes); escaped, so that nothing reaches a
 * terminal raw: newline \n, tab \t, CR \r, NUL \0, other C0 controls, ESC, DEL,
 * C1 controls (U+0080–U+009F, each byte \xHH) and bytes that aren't valid
 * UTF-8 (\xHH), bidirectional overrides/isolates and U+2028/9 (\uXXXX).
 * esc_c: a quoted excerpt (stdout in a diff): also \\, so that it says
 * exactly which bytes were printed. esc_text: a line of diagnostics or
 * stderr: backslash as it is (source code reads as written). */
void esc_c(struct buf *b, const char *s, size_t n);
void esc_text(struct buf *b, const char *s, size_t n);

/* Terminal columns of UTF-8 text (East Asian wide characters 2, combining
 * marks 0, anything else 1, an invalid byte 1): where a caret goes. */
size_t utf8_width(const char *s, size_t n);
/* The start of the UTF-8 sequence holding byte at (at, or up to 3 back). */
size_t utf8_start(const char *s, size_t at);

/* Appends s[0..n) as a JSON string literal, quotes included. Any bytes in,
 * valid JSON out: control characters become escapes, invalid UTF-8 becomes
 * \ufffd (one per offending byte), valid UTF-8 passes through. */
void esc_json(struct buf *b, const char *s, size_t n);

/* The length to keep of s[0..n) cut to at most cap bytes, never inside a
 * UTF-8 sequence (backs off over continuation bytes at the cut). */
size_t utf8_cut(const char *s, size_t n, size_t cap);

/* Appends s[0..n) (one line, no '\n') cut to at most cap bytes (utf8_cut),
 * with " [... N more bytes]" when cut. The bytes are appended as they are:
 * escaping is the caller's. */
void buf_add_capped(struct buf *b, const char *s, size_t n, size_t cap);

/* Length of the valid UTF-8 sequence at s (1–4), or 0 if invalid there. */
int utf8_seq_len(const unsigned char *s, size_t n);

/*
 * Keys that decide whether work is redone (the build and run caches, the
 * image cache, the lab's fingerprint, a batch's resume key): SHA-256, from
 * nettle (Debian's nettle-dev), so that no edit can be crafted to keep an
 * old key. A key is 64 lowercase hex digits (struct digest).
 */
#include <nettle/sha2.h>

struct hash {
	struct sha256_ctx ctx;
};

struct digest {
	char hex[2 * SHA256_DIGEST_SIZE + 1];
};

/* Starts h with a recipe name (hashed like hash_str): keys of another recipe never match. */
void hash_init(struct hash *h, const char *recipe);
void hash_add(struct hash *h, const void *data, size_t n);
void hash_str(struct hash *h, const char *s);   /* includes the NUL: "a","b" != "ab"; NULL as "" */
/* The digest of what h has seen so far (h itself unchanged). */
struct digest hash_digest(const struct hash *h);

/* Reads a whole file (NUL-terminated); NULL with errno on failure.
 * max: refuse files larger than this (errno = EFBIG). */
char *read_file(const char *path, size_t *len, size_t max);
/* Hashes a file's contents into h; returns 0, or -1 if it can't be read. */
int hash_file(const char *path, struct hash *h);

/* Hashes into h the name and contents of each file of dir ending in suffix
 * (list_suffix(): sorted, hidden ones skipped), so that an edited, added or
 * removed file changes h. 0, or -1 with "path: why" in err. */
int hash_files(const char *dir, const char *suffix, struct hash *h, char *err, size_t errlen);

/* Writes data to path atomically (path.tmp.<pid> then rename). 0 or -1. */
int write_atomic(const char *path, const void *data, size_t n, int mode);
/* Copies a file atomically (same rules). */
int copy_atomic(const char *from, const char *to, int mode);

/* mkdir -p; 0 or -1. */
int mkdir_p(const char *path, int mode);
/* rm -rf of a directory we created: any depth, no symlink followed
 * (sandbox/tree.c's tree_remove). */
void rm_rf(const char *path);

/* "%s/%s" into a fresh malloc'd string. */
char *path_join(const char *a, const char *b);
/* The file name in path's directory ("a/b", "c" -> "a/c"; "b" -> "c"), malloc'd. */
char *path_sibling(const char *path, const char *name);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);

/* Monotonic clock in seconds. */
double now_s(void);

/* Exit status of every mode of grade for a usage or setup error. */
#define EXIT_SETUP 2

/* Prints "<who>: <message>" on stderr and returns EXIT_SETUP, so that a
 * caller can `return setup_error_as(...)`. */
int setup_error_as(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A number of seconds in (0, max], starting with a digit (no sign, no
 * blanks): lab.conf's and a scenario's timeout. 0 or -1. */
int parse_seconds(const char *s, double max, double *out);

/* s without its leading and trailing blanks: cuts s in place (a NUL after the last
 * non-blank) and returns a pointer into it. */
char *str_trim(char *s);

/* A decimal integer in 0..max, nothing else (no sign, no blanks). 0 or -1. */
int parse_ulong(const char *s, unsigned long max, unsigned long *out);

/* 1 when s ends with suffix and is longer than it. */
int ends_with(const char *s, const char *suffix);

/* Sorted names of the files in dir ending in suffix, hidden ones skipped.
 * Returns the count (*names malloc'd, free with free_names) or -1 (errno). */
int list_suffix(const char *dir, const char *suffix, char ***names);
void free_names(char **names, int n);

/* Paths given on the command line are relative to where grade started, but
 * grade then works from the kit root: remember_start_dir() (first thing in
 * main) records the start, caller_path() resolves against it (against the
 * current directory when nothing was recorded). malloc'd; NULL for NULL. */
void remember_start_dir(void);
char *caller_path(const char *p);

/* A private temporary directory $TMPDIR/<prefix>.XXXXXX and the cache dir
 * `cache` (kit_cache: <build>/cache/<lab>), or one inside the work dir when
 * that can't be written (a read-only kit still works, uncached).
 * 0, or -1 with errno (nothing allocated). */
int make_work_dirs(const char *prefix, const char *lab, char **workdir, char **cachedir);
/* Undoes make_work_dirs (the work dir and all in it; the shared cache stays). */
void remove_work_dirs(char **workdir, char **cachedir);

/* Seeds (of `random: yes` scenarios) are in 0..SEED_MAX, the one range
 * --seed, SEED files and the reports use. */
#define SEED_MAX 0x7fffffffUL
/* The one reader of a SEED file (a batch's out dir, an expect-dir): its
 * first word, a seed in range. 0 with *seed, or -1 (missing, unreadable,
 * not a seed). */
int seed_read(const char *path, unsigned long *seed);

#endif
