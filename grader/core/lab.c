/* lab.c — labs/<lab>/lab.conf: `key = value` lines, `#` comments. */
#include "lab.h"
#include "kit.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_size(const char *v, size_t *out)
{
	char *end;
	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end || n == 0 || n > (1ULL << 30))
		return -1;
	*out = (size_t)n;
	return 0;
}

/* What can be wrong with a line. The kind decides the message's shape:
 * a key's own problem names the key ("unknown key 'x'"). */
enum lab_err {
	LAB_OK, LAB_UNKNOWN_KEY, LAB_DUPLICATE_KEY, LAB_NO_EQUALS, LAB_NO_KEY,
	LAB_BAD_SOURCE, LAB_BAD_TIMEOUT, LAB_BAD_OUT_CAP, LAB_BAD_IMAGE_MAX, LAB_BAD_SPLICE_LABEL,
	LAB_BAD_WARNING_PENALTY,
	LAB_BAD_SPLICE, LAB_BAD_INSN_BUDGET,
};

static const char *const lab_err_text[] = {
	[LAB_UNKNOWN_KEY] = "unknown key",
	[LAB_DUPLICATE_KEY] = "duplicate key",
	[LAB_NO_EQUALS] = "expected `key = value`",
	[LAB_NO_KEY] = "missing key before `=`",
	[LAB_BAD_SOURCE] = "source must be a plain file name",
	[LAB_BAD_TIMEOUT] = "timeout must be a number of seconds in (0, 600]",
	[LAB_BAD_OUT_CAP] = "out_cap must be a positive number of bytes",
	[LAB_BAD_IMAGE_MAX] = "image_max must be a positive number of bytes",
	[LAB_BAD_SPLICE_LABEL] = "splice_label must be a `case NAME:` label",
	[LAB_BAD_WARNING_PENALTY] = "warning_penalty must be a whole number of points (0 or more)",
	[LAB_BAD_SPLICE] = "splice must be `label` or `regions`",
	[LAB_BAD_INSN_BUDGET] = "insn_budget must be a whole number of guest instructions in [1, 1e11]",
};

enum lab_key { K_NAME, K_SOURCE, K_CFLAGS, K_LDFLAGS, K_TIMEOUT, K_OUT_CAP, K_IMAGE_MAX, K_SPLICE_LABEL,
	       K_WARNING_PENALTY, K_SPLICE, K_ORDER, K_INSN_BUDGET, K_COUNT };
static const char *const lab_keys[K_COUNT] = {
	"name", "source", "cflags", "ldflags", "timeout", "out_cap", "image_max", "splice_label",
	"warning_penalty", "splice", "order", "insn_budget",
};

static void set_str(char **field, const char *val)
{
	free(*field);
	*field = xstrdup(val);
}

/* Applies one `key = value`. */
static enum lab_err lab_set(struct lab *lab, const char *key, const char *val, unsigned *seen)
{
	int k = -1;
	for (int i = 0; i < K_COUNT; i++)
		if (!strcmp(key, lab_keys[i]))
			k = i;
	if (k < 0)
		return LAB_UNKNOWN_KEY;
	if (*seen & (1u << k))
		return LAB_DUPLICATE_KEY;
	*seen |= 1u << k;
	switch ((enum lab_key)k) {
	case K_NAME: set_str(&lab->name, val); break;
	case K_SOURCE:
		if (!*val || strchr(val, '/'))
			return LAB_BAD_SOURCE;
		set_str(&lab->source, val);
		break;
	case K_CFLAGS: set_str(&lab->cflags, val); break;
	case K_LDFLAGS: set_str(&lab->ldflags, val); break;
	case K_TIMEOUT:
		if (parse_seconds(val, LAB_MAX_TIMEOUT, &lab->timeout) < 0)
			return LAB_BAD_TIMEOUT;
		break;
	case K_OUT_CAP:
		if (parse_size(val, &lab->out_cap) < 0)
			return LAB_BAD_OUT_CAP;
		break;
	case K_IMAGE_MAX:
		if (parse_size(val, &lab->image_max) < 0)
			return LAB_BAD_IMAGE_MAX;
		break;
	case K_SPLICE_LABEL:
		if (strncmp(val, "case ", 5) || strlen(val) < 7 || val[strlen(val) - 1] != ':')
			return LAB_BAD_SPLICE_LABEL;
		set_str(&lab->splice_label, val);
		break;
	case K_WARNING_PENALTY: {
		unsigned long n;
		if (parse_ulong(val, 1000000, &n) < 0)
			return LAB_BAD_WARNING_PENALTY;
		lab->warning_penalty = (int)n;
		break;
	}
	case K_SPLICE:
		if (strcmp(val, "label") && strcmp(val, "regions"))
			return LAB_BAD_SPLICE;
		lab->splice = strcmp(val, "label") ? SPLICE_REGIONS : SPLICE_LABEL;
		break;
	case K_ORDER: set_str(&lab->order, val); break;
	case K_INSN_BUDGET:
		if (parse_ulong(val, LAB_MAX_INSN_BUDGET, &lab->insn_budget) < 0 || !lab->insn_budget)
			return LAB_BAD_INSN_BUDGET;
		break;
	case K_COUNT: break;
	}
	return LAB_OK;
}

/* One line (comment already cut): LAB_OK for a blank one. *key: the key. */
static enum lab_err lab_line(struct lab *lab, char *line, unsigned *seen, char **key)
{
	char *s = str_trim(line);
	*key = NULL;
	if (!*s)
		return LAB_OK;
	char *eq = strchr(s, '=');
	if (!eq)
		return LAB_NO_EQUALS;
	*eq = '\0';
	*key = str_trim(s);
	return **key ? lab_set(lab, *key, str_trim(eq + 1), seen) : LAB_NO_KEY;
}

int lab_parse(const char *path, const char *text, struct lab *lab, char *err, size_t errlen)
{
	memset(lab, 0, sizeof *lab);
	lab->timeout = LAB_DEFAULT_TIMEOUT;
	lab->out_cap = LAB_DEFAULT_OUT_CAP;
	lab->insn_budget = LAB_DEFAULT_INSN_BUDGET;
	lab->image_max = LAB_DEFAULT_IMAGE_MAX;
	char *copy = xstrdup(text);
	unsigned seen = 0;
	int lineno = 0, rc = 0;
	for (char *line = copy, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *key;
		enum lab_err e = lab_line(lab, line, &seen, &key);
		if (e == LAB_OK)
			continue;
		if (e == LAB_UNKNOWN_KEY || e == LAB_DUPLICATE_KEY)
			snprintf(err, errlen, "%s:%d: %s '%s'", path, lineno, lab_err_text[e], key);
		else
			snprintf(err, errlen, "%s:%d: %s", path, lineno, lab_err_text[e]);
		rc = -1;
		break;
	}
	free(copy);
	if (rc == 0 && !lab->source) {
		snprintf(err, errlen, "%s:%d: missing required key 'source'", path, lineno);
		rc = -1;
	}
	if (rc < 0) {
		lab_free(lab);
		return -1;
	}
	if (!lab->cflags)
		lab->cflags = xstrdup("");
	if (!lab->ldflags)
		lab->ldflags = xstrdup("");
	if (!lab->splice_label)
		lab->splice_label = xstrdup(LAB_DEFAULT_SPLICE_LABEL);
	return 0;
}

int lab_load(const char *path, struct lab *lab, char *err, size_t errlen)
{
	char *text = read_file(path, NULL, 1 << 20);
	if (!text) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = lab_parse(path, text, lab, err, errlen);
	free(text);
	return rc;
}

int lab_name_ok(const char *name)
{
	return kit_lab_name_ok(name);
}

void lab_free(struct lab *lab)
{
	free(lab->name);
	free(lab->source);
	free(lab->cflags);
	free(lab->ldflags);
	free(lab->splice_label);
	free(lab->order);
	memset(lab, 0, sizeof *lab);
}
