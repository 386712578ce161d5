/* text.c — student text made safe to show (util.h): escaping for reports
 * (esc_c, esc_text) and JSON (esc_json), UTF-8 widths and cuts. */
#include "util.h"

#include <stdio.h>
#include <string.h>

/* Code points that reorder or break lines on a terminal or in a browser
 * (bidirectional overrides and isolates, "Trojan Source"; U+2028/9). */
static int invisible_control(unsigned cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x200e || cp == 0x200f;
}

static unsigned utf8_decode(const unsigned char *u, int len)
{
	static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	unsigned cp = u[0] & lead_mask[len];
	for (int i = 1; i < len; i++)
		cp = cp << 6 | (u[i] & 0x3f);
	return cp;
}

/* The shared rule: valid UTF-8 as it is; C0 controls, DEL, C1 controls,
 * invisible reordering controls, tab and invalid bytes escaped. exact:
 * also backslash (a quoted excerpt must say exactly which bytes). */
static void esc_show(struct buf *b, const char *s, size_t n, int exact)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		int len = utf8_seq_len(u + i, n - i);
		unsigned cp = len ? utf8_decode(u + i, len) : 0;
		if (c == '\n')
			buf_adds(b, "\\n");
		else if (c == '\t')
			buf_adds(b, "\\t");   /* its width is unknown: a caret after it would miss */
		else if (c == '\r')
			buf_adds(b, "\\r");
		else if (c == '\0')
			buf_adds(b, "\\0");
		else if (c == '\\')
			buf_adds(b, exact ? "\\\\" : "\\");
		else if (len == 0 || c < 0x20 || c == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
			for (int k = 0; k < (len ? len : 1); k++)
				buf_addf(b, "\\x%02x", u[i + k]);
		} else if (invisible_control(cp))
			buf_addf(b, "\\u%04x", cp);
		else
			buf_add(b, u + i, (size_t)len);
		i += len ? (size_t)len : 1;
	}
}

void esc_c(struct buf *b, const char *s, size_t n)
{
	esc_show(b, s, n, 1);
}

void esc_text(struct buf *b, const char *s, size_t n)
{
	esc_show(b, s, n, 0);
}

/* East Asian Wide and Fullwidth ranges (Unicode's EastAsianWidth.txt, the
 * blocks that matter for text; not every single code point). */
static int wide(unsigned cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
	       (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
	       (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
	       (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	       (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
	       (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd);
}

size_t utf8_width(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t w = 0;
	for (size_t i = 0; i < n;) {
		int len = utf8_seq_len(u + i, n - i);
		if (len > 1) {
			unsigned cp = utf8_decode(u + i, len);
			w += wide(cp) ? 2 : (cp >= 0x300 && cp <= 0x36f) ? 0 : 1;   /* combining marks: 0 */
		} else
			w++;
		i += len ? (size_t)len : 1;
	}
	return w;
}

size_t utf8_start(const char *s, size_t at)
{
	for (int i = 0; i < 3 && at > 0 && ((unsigned char)s[at] & 0xc0) == 0x80; i++)
		at--;
	return at;
}

size_t utf8_cut(const char *s, size_t n, size_t cap)
{
	if (n <= cap)
		return n;
	size_t k = cap;
	/* s[k] is the first byte dropped: a continuation byte means the
	 * sequence it belongs to started before k. At most 3 back. */
	for (int i = 0; i < 3 && k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80; i++)
		k--;
	return k;
}

void buf_add_capped(struct buf *b, const char *s, size_t n, size_t cap)
{
	size_t k = utf8_cut(s, n, cap);
	buf_add(b, s, k);
	if (k < n)
		buf_addf(b, " [... %zu more bytes]", n - k);
}

int utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	int len;
	unsigned lo = 0x80, hi = 0xbf;  /* allowed range of the second byte */
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0) lo = 0xa0;      /* no overlongs */
		if (c == 0xed) hi = 0x9f;      /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0) lo = 0x90;      /* no overlongs */
		if (c == 0xf4) hi = 0x8f;      /* nothing past U+10FFFF */
	} else
		return 0;
	if ((size_t)len > n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

void esc_json(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	buf_addc(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)c);
		} else if (c == '\n') {
			buf_adds(b, "\\n");
		} else if (c == '\t') {
			buf_adds(b, "\\t");
		} else if (c == '\r') {
			buf_adds(b, "\\r");
		} else if (c < 0x20 || c == 0x7f) {
			buf_addf(b, "\\u%04x", c);
		} else if (c < 0x80) {
			buf_addc(b, (char)c);
		} else {
			int len = utf8_seq_len(u + i, n - i);
			if (len == 0) {
				buf_adds(b, "\\ufffd");
				i++;
				continue;
			}
			buf_add(b, u + i, (size_t)len);
			i += (size_t)len;
			continue;
		}
		i++;
	}
	buf_addc(b, '"');
}
