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
