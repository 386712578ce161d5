/* lab.c — labs/<lab>/lab.conf: `key = value` lines, `#` comments. */
#include "lab.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Positive number of seconds, at most ten minutes. */
static int parse_seconds(const char *v, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || end == v || *end || !(d > 0) || d > 600)
		return -1;
	*out = d;
	return 0;
}

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

/* Applies one `key = value`; returns NULL or what is wrong. */
static const char *lab_set(struct lab *lab, const char *key, const char *val, unsigned *seen)
{
	static const char *const keys[] = { "name", "source", "cflags", "ldflags", "timeout", "out_cap" };
	int k = -1;
	for (int i = 0; i < 6; i++)
		if (!strcmp(key, keys[i]))
			k = i;
	if (k < 0)
		return "unknown key";
	if (*seen & (1u << k))
		return "duplicate key";
	*seen |= 1u << k;
	switch (k) {
	case 0: free(lab->name); lab->name = xstrdup(val); break;
	case 1:
		if (!*val || strchr(val, '/'))
			return "source must be a plain file name";
		free(lab->source);
		lab->source = xstrdup(val);
		break;
	case 2: free(lab->cflags); lab->cflags = xstrdup(val); break;
	case 3: free(lab->ldflags); lab->ldflags = xstrdup(val); break;
	case 4:
		if (parse_seconds(val, &lab->timeout) < 0)
			return "timeout must be a number of seconds in (0, 600]";
		break;
	case 5:
		if (parse_size(val, &lab->out_cap) < 0)
			return "out_cap must be a positive number of bytes";
		break;
	}
	return NULL;
}

int lab_parse(const char *path, const char *text, struct lab *lab, char *err, size_t errlen)
{
	memset(lab, 0, sizeof *lab);
	lab->timeout = LAB_DEFAULT_TIMEOUT;
	lab->out_cap = LAB_DEFAULT_OUT_CAP;
	char *copy = xstrdup(text);
	unsigned seen = 0;
	int lineno = 0, rc = 0;
	for (char *line = copy, *next; line && *line && rc == 0; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s = trim(line);
		if (!*s)
			continue;
		char *eq = strchr(s, '=');
		const char *why = NULL;
		if (!eq) {
			why = "expected `key = value`";
		} else {
			*eq = '\0';
			char *key = trim(s);
			why = *key ? lab_set(lab, key, trim(eq + 1), &seen) : "missing key before `=`";
			if (why && (!strcmp(why, "unknown key") || !strcmp(why, "duplicate key"))) {
				snprintf(err, errlen, "%s:%d: %s '%s'", path, lineno, why, key);
				rc = -1;
				break;
			}
		}
		if (why) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
			rc = -1;
		}
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

int lab_load_named(const char *root, const char *name, struct lab *lab, char *err, size_t errlen)
{
	char *conf = root ? xasprintf("%s/labs/%s/lab.conf", root, name) : xasprintf("labs/%s/lab.conf", name);
	int rc = lab_load(conf, lab, err, errlen);
	free(conf);
	if (rc == 0 && !lab->name)
		lab->name = xstrdup(name);
	return rc;
}

int lab_name_ok(const char *name)
{
	return *name && name[0] != '.' && !strchr(name, '/');
}

void lab_free(struct lab *lab)
{
	free(lab->name);
	free(lab->source);
	free(lab->cflags);
	free(lab->ldflags);
	memset(lab, 0, sizeof *lab);
}
