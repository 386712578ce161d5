/* splice.c — putting a KVM_EXIT_IO handler body into the skeleton. */
#include "splice.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int is_word(int c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Does the line at p open with a label: blanks, then `case<non-word>...:`
 * (no newline before the colon) or `default<blanks>:`? */
static int label_at(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	if (!strncmp(p, "case", 4) && !is_word(p[4])) {
		p += 4;
		while (*p && *p != ':' && *p != '\n')
			p++;
		return *p == ':';
	}
	if (!strncmp(p, "default", 7)) {
		p += 7;
		while (*p == ' ' || *p == '\t')
			p++;
		return *p == ':';
	}
	return 0;
}

/* Start of the first line at or after p (p itself counts only when it
 * starts a line) that opens with a label, or NULL. */
static const char *next_label(const char *text, const char *p)
{
	if (p > text && p[-1] != '\n') {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (label_at(p))
			return p;
	return NULL;
}

int splice_span(const char *src, const char *label, size_t *start, size_t *end, const char **why)
{
	static char msg[300];   /* *why: valid until the next call */
	const char *at = strstr(src, label);
	msg[0] = '\0';
	if (!at) {
		snprintf(msg, sizeof msg, "no `%s` label", label);
	} else if (strstr(at + 1, label)) {
		snprintf(msg, sizeof msg, "`%s` appears more than once", label);
	} else if (!next_label(src, at + strlen(label))) {
		snprintf(msg, sizeof msg, "no case/default label after `%s`", label);
	}
	if (!at || msg[0]) {
		*why = msg;
		return -1;
	}
	const char *body = at + strlen(label);
	const char *stop = next_label(src, body);
	*start = (size_t)(body - src);
	*end = (size_t)(stop - src);
	return 0;
}

int splice_label_line(const char *text)
{
	int line = 1;
	for (const char *p = text; p && *p; line++) {
		if (label_at(p))
			return line;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return 0;
}

static int lines_before(const char *s, size_t n)
{
	int lines = 1;
	for (size_t i = 0; i < n; i++)
		lines += s[i] == '\n';
	return lines;
}

char *splice_body(const char *src, const char *label, const char *body, int *body_line, const char **why)
{
	size_t start, end;
	if (splice_span(src, label, &start, &end, why) < 0)
		return NULL;
	size_t blen = strlen(body);
	struct buf b = {0};
	buf_add(&b, src, start);
	/* The label's line ends before the body, which starts a line of its
	 * own; a body that opens with that newline brings it itself. */
	buf_addc(&b, '\n');
	if (blen && body[0] == '\n') {
		body++;
		blen--;
	}
	*body_line = lines_before(b.p, b.len);
	buf_add(&b, body, blen);
	if (blen == 0 || body[blen - 1] != '\n')
		buf_addc(&b, '\n');
	buf_adds(&b, src + end);
	return (char *)buf_str(&b);
}

/* ---- regions ------------------------------------------------------------ */

#define MARK_OPEN "/* ---- TODO "
#define MARK_CLOSE " ---- */"

static size_t line_len(const char *p)
{
	const char *e = strchr(p, '\n');
	return e ? (size_t)(e - p) : strlen(p);
}

static const char *next_line(const char *p)
{
	const char *e = strchr(p, '\n');
	return e ? e + 1 : NULL;
}

/* Does the line at p (len bytes) mention a marker? */
static int mentions_marker(const char *p, size_t len)
{
	return memmem(p, len, MARK_OPEN, strlen(MARK_OPEN)) != NULL;
}

/* Is the line at p (len bytes, no newline) a marker alone on its line?
 * 1 `begins`, 2 `ends` (id copied out), 0 not one, -1 a bad id. */
static int marker_at(const char *p, size_t len, char id[SPLICE_ID_MAX])
{
	const char *e = p + len;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	size_t open = strlen(MARK_OPEN), close = strlen(MARK_CLOSE);
	if ((size_t)(e - p) < open + close || memcmp(p, MARK_OPEN, open) || memcmp(e - close, MARK_CLOSE, close))
		return 0;
	const char *q = p + open, *stop = e - close;
	size_t n = 0;
	while (q + n < stop && (islower((unsigned char)q[n]) || isdigit((unsigned char)q[n])))
		n++;
	int kind = 0;
	if ((size_t)(stop - q) == n + 7 && !memcmp(q + n, " begins", 7))
		kind = 1;
	else if ((size_t)(stop - q) == n + 5 && !memcmp(q + n, " ends", 5))
		kind = 2;
	if (!kind)
		return 0;
	if (n == 0 || n >= SPLICE_ID_MAX)
		return -1;
	memcpy(id, q, n);
	id[n] = '\0';
	return kind;
}

static int find_region(const struct splice_region *r, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(r[i].id, id))
			return i;
	return -1;
}

int splice_regions(const char *src, struct splice_region *r, int max, int *n, const char **why)
{
	static char msg[300];   /* *why: valid until the next call */
	int line = 1, open = -1;
	*n = 0;
	msg[0] = '\0';
	for (const char *p = src; p && *p && !msg[0]; p = next_line(p), line++) {
		size_t len = line_len(p);
		char id[SPLICE_ID_MAX];
		int kind = mentions_marker(p, len) ? marker_at(p, len, id) : 0;
		if (mentions_marker(p, len) && kind == 0)
			snprintf(msg, sizeof msg, "line %d: a TODO marker must be alone on its line, "
				 "`/* ---- TODO <id> begins ---- */` or `ends`", line);
		else if (kind < 0)
			snprintf(msg, sizeof msg, "line %d: a TODO marker's id must be 1-%d of [0-9a-z]",
				 line, SPLICE_ID_MAX - 1);
		else if (kind == 1 && open >= 0)
			snprintf(msg, sizeof msg, "line %d: TODO %s begins inside TODO %s (line %d)", line, id,
				 r[open].id, r[open].line);
		else if (kind == 1 && find_region(r, *n, id) >= 0)
			snprintf(msg, sizeof msg, "line %d: a second TODO %s region", line, id);
		else if (kind == 1 && *n >= max)
			snprintf(msg, sizeof msg, "line %d: more than %d TODO regions", line, max);
		else if (kind == 2 && (open < 0 || strcmp(r[open].id, id)))
			snprintf(msg, sizeof msg, "line %d: TODO %s ends where it does not begin", line, id);
		else if (kind == 1) {
			open = (*n)++;
			snprintf(r[open].id, sizeof r[open].id, "%s", id);
			r[open].line = line;
			const char *body = next_line(p);
			r[open].start = body ? (size_t)(body - src) : strlen(src);
		} else if (kind == 2) {
			r[open].end = (size_t)(p - src);
			open = -1;
		}
	}
	if (!msg[0] && open >= 0)
		snprintf(msg, sizeof msg, "line %d: TODO %s begins and never ends", r[open].line, r[open].id);
	if (msg[0]) {
		*why = msg;
		return -1;
	}
	return 0;
}

/* "//@ TODO <id>" alone on the line at p (len bytes)? 1 with id, 0 not a
 * section line, -1 one with a bad id. */
static int section_at(const char *p, size_t len, char id[SPLICE_ID_MAX])
{
	static const char head[] = "//@ TODO ";
	size_t h = strlen(head);
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
		len--;
	if (len < strlen("//@") || memcmp(p, "//@", 3))
		return 0;
	if (len <= h || memcmp(p, head, h) || len - h >= SPLICE_ID_MAX)
		return -1;
	for (size_t i = h; i < len; i++)
		if (!islower((unsigned char)p[i]) && !isdigit((unsigned char)p[i]))
			return -1;
	memcpy(id, p + h, len - h);
	id[len - h] = '\0';
	return 1;
}

int splice_sections(const char *text, struct splice_section *s, int max, int *n, int *line,
		    const char **why)
{
	static char msg[200];
	*n = 0;
	msg[0] = '\0';
	int l = 2;   /* text starts at the file's line 2 */
	const char *p = text;
	for (; p && *p && !msg[0]; p = next_line(p), l++) {
		size_t len = line_len(p);
		char id[SPLICE_ID_MAX];
		int kind = section_at(p, len, id);
		*line = l;
		if (kind < 0)
			snprintf(msg, sizeof msg, "a section line must be `//@ TODO <id>`, id 1-%d of [0-9a-z]",
				 SPLICE_ID_MAX - 1);
		else if (kind == 0 && *n == 0)
			snprintf(msg, sizeof msg, "code before the first `//@ TODO <id>` line");
		else if (kind == 0 && *n && mentions_marker(p, len))
			snprintf(msg, sizeof msg, "a region marker inside a section: the body would break "
				 "the region it is spliced into");
		else if (kind == 1) {
			for (int i = 0; i < *n; i++)
				if (!strcmp(s[i].id, id))
					snprintf(msg, sizeof msg, "a second `//@ TODO %s` section", id);
			if (!msg[0] && *n >= max)
				snprintf(msg, sizeof msg, "more than %d sections", max);
			if (msg[0])
				break;
			const char *body = next_line(p);
			s[*n] = (struct splice_section){ .body = body ? body : p + len, .line = l + 1 };
			snprintf(s[*n].id, sizeof s[*n].id, "%s", id);
			(*n)++;
		}
		if (*n && kind == 0)   /* this line belongs to the open section */
			s[*n - 1].len = (size_t)(p + len + (p[len] == '\n') - s[*n - 1].body);
	}
	if (!msg[0] && *n == 0) {
		*line = 1;
		snprintf(msg, sizeof msg, "no `//@ TODO <id>` section (a mutant names the regions it replaces)");
	}
	if (msg[0]) {
		*why = msg;
		return -1;
	}
	return 0;
}

char *splice_apply(const char *src, const struct splice_region *r, int nr, const struct splice_section *s,
		   int ns, struct splice_map *map, const char **why)
{
	static char msg[200];
	for (int i = 0; i < ns; i++)
		if (find_region(r, nr, s[i].id) < 0) {
			snprintf(msg, sizeof msg, "line %d: no region TODO %s in the file it is spliced into",
				 s[i].line - 1, s[i].id);
			*why = msg;
			return NULL;
		}
	struct buf b = {0};
	size_t at = 0;
	for (int k = 0; k < nr; k++) {
		buf_add(&b, src + at, r[k].start - at);
		at = r[k].end;
		const struct splice_section *sec = NULL;
		int si = 0;
		for (int i = 0; i < ns; i++)
			if (!strcmp(s[i].id, r[k].id))
				sec = &s[si = i];
		if (!sec) {
			buf_add(&b, src + r[k].start, r[k].end - r[k].start);
			continue;
		}
		map[si] = (struct splice_map){ .at = lines_before(b.p ? b.p : "", b.len), .from = sec->line,
					       .lines = lines_before(sec->body, sec->len) - 1 };
		buf_add(&b, sec->body, sec->len);
		if (sec->len && sec->body[sec->len - 1] != '\n') {
			buf_addc(&b, '\n');
			map[si].lines++;
		}
	}
	buf_adds(&b, src + at);
	return (char *)buf_str(&b);
}

int splice_outside_diff(const char *a, const struct splice_region *ra, int na, const char *b,
			const struct splice_region *rb, int nb)
{
	size_t ia = 0, ib = 0;
	for (int k = 0; k <= na && k <= nb; k++) {
		size_t ea = k < na ? ra[k].start : strlen(a), eb = k < nb ? rb[k].start : strlen(b);
		if (ea - ia != eb - ib || memcmp(a + ia, b + ib, ea - ia)) {
			size_t i = 0;
			while (ia + i < ea && ib + i < eb && a[ia + i] == b[ib + i])
				i++;
			return lines_before(b, ib + i);
		}
		if (k < na && k < nb && strcmp(ra[k].id, rb[k].id))
			return rb[k].line;
		if (k < na && k < nb) {
			ia = ra[k].end;
			ib = rb[k].end;
		}
	}
	if (na != nb)   /* equal up to the shorter list's end: impossible unless the text differs */
		return lines_before(b, strlen(b));
	return 0;
}
