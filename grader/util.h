/*
 * util.h — small helpers shared by the grader: a growable byte buffer,
 * escaping (C-style for reports, JSON for results files), FNV-1a hashing,
 * whole-file reads and atomic writes.
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

/* Appends s[0..n) C-escaped (\n, \t, \", \\, \xHH for other non-printables),
 * without surrounding quotes. Printable ASCII passes through. */
void esc_c(struct buf *b, const char *s, size_t n);

/* Appends s[0..n) as a JSON string literal, quotes included. Any bytes in,
 * valid JSON out: control characters become escapes, invalid UTF-8 becomes
 * \ufffd (one per offending byte), valid UTF-8 passes through. */
void esc_json(struct buf *b, const char *s, size_t n);

/* Length of the valid UTF-8 sequence at s (1–4), or 0 if invalid there. */
int utf8_seq_len(const unsigned char *s, size_t n);

/* FNV-1a, 64-bit. Chain by passing the previous result as h. */
#define FNV_INIT 0xcbf29ce484222325ULL
uint64_t fnv1a(uint64_t h, const void *data, size_t n);
uint64_t fnv1a_str(uint64_t h, const char *s); /* includes the NUL: "a","b" != "ab" */

/* Reads a whole file (NUL-terminated); NULL with errno on failure.
 * max: refuse files larger than this (errno = EFBIG). */
char *read_file(const char *path, size_t *len, size_t max);
/* Hashes a file's contents into h; returns 0, or -1 if it can't be read. */
int hash_file(const char *path, uint64_t *h);

/* Writes data to path atomically (path.tmp.<pid> then rename). 0 or -1. */
int write_atomic(const char *path, const void *data, size_t n, int mode);
/* Copies a file atomically (same rules). */
int copy_atomic(const char *from, const char *to, int mode);

/* mkdir -p; 0 or -1. */
int mkdir_p(const char *path, int mode);
/* rm -rf of a directory we created (no symlink following). */
void rm_rf(const char *path);

/* "%s/%s" into a fresh malloc'd string. */
char *path_join(const char *a, const char *b);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);

/* Monotonic clock in seconds. */
double now_s(void);

#endif
