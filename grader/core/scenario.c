/* scenario.c — scenario discovery, header parsing, assembling with a cache. */
#include "scenario.h"
#include "lab.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NASM_TIMEOUT_S 20.0
#define MAX_POINTS 1000000

/* ---- header ---------------------------------------------------------- */

enum key { K_TITLE, K_POINTS, K_VISIBILITY, K_BACKEND, K_EMU_ENV, K_RANDOM, K_HINT,
	   K_EXPECT_EXIT, K_EXPECT_STDOUT, K_TIMEOUT, K_HINT_ZH, K_TITLE_ZH, K_HINT_ON, K_INSN_BUDGET, K_COUNT };
static const char *const key_names[K_COUNT] = {
	"title", "points", "visibility", "backend", "emu-env", "random", "hint",
	"expect-exit", "expect-stdout", "timeout", "hint-zh", "title-zh", "hint-on", "insn-budget",
};

/* Splits "; key: value" into key and value (in place). Returns 0 when line
 * is a header line; -1 when it isn't (which ends the header). */
static int split_header_line(char *line, char **key, char **val)
{
	char *s = line;
	if (*s != ';')
		return -1;
	s++;
	while (*s == ' ' || *s == '\t')
		s++;
	char *k = s;
	while (islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-' || *s == '_')
		s++;
	if (s == k || *s != ':')
		return -1;
	*s++ = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	*key = k;
	*val = s;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* One escape after the backslash at *pp; advances *pp. -1 if invalid. */
static int unescape_one(const char **pp)
{
	const char *p = *pp;
	int c = (unsigned char)*p++, v;
	switch (c) {
	case 'n': v = '\n'; break;
	case 't': v = '\t'; break;
	case 'r': v = '\r'; break;
	case 'a': v = '\a'; break;
	case 'b': v = '\b'; break;
	case 'f': v = '\f'; break;
	case 'v': v = '\v'; break;
	case 'e': v = 0x1b; break;
	case '\\': case '"': case '\'': case '?': v = c; break;
	case 'x': {
		int h1 = hexval(p[0]), h2 = h1 < 0 ? -1 : hexval(p[1]);
		if (h1 < 0)
			return -1;
		v = h1;
		p++;
		if (h2 >= 0) {
			v = h1 * 16 + h2;
			p++;
		}
		break;
	}
	default:
		if (c < '0' || c > '7')
			return -1;
		v = c - '0';
		for (int i = 0; i < 2 && *p >= '0' && *p <= '7'; i++)
			v = v * 8 + (*p++ - '0');
		if (v > 255)
			return -1;
	}
	*pp = p;
	return v;
}

char *unescape_c_quoted(const char *v, size_t *len, const char **why)
{
	size_t n = strlen(v);
	if (n < 2 || v[0] != '"' || v[n - 1] != '"') {
		*why = "must be a C-escaped string in double quotes";
		return NULL;
	}
	struct buf b = {0};
	const char *p = v + 1, *end = v + n - 1;
	while (p < end) {
		if (*p == '"') {
			*why = "unescaped '\"' inside the string";
			buf_free(&b);
			return NULL;
		}
		if (*p != '\\') {
			buf_addc(&b, *p++);
			continue;
		}
		p++;
		int c = p < end ? unescape_one(&p) : -1;
		if (c < 0 || p > end) {
			*why = "bad escape sequence";
			buf_free(&b);
			return NULL;
		}
		buf_addc(&b, (char)c);
	}
	buf_str(&b);
	*len = b.len;
	return b.p;
}

static int parse_points(const char *v, int *out)
{
	long n = 0;
	if (!*v)
		return -1;
	for (const char *p = v; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		n = n * 10 + (*p - '0');
		if (n > MAX_POINTS)
			return -1;
	}
	*out = (int)n;
	return 0;
}

/* One knob: KVMEMU_[A-Z0-9_]+=value (no blanks). Only kvmemu's knobs: a
 * scenario must not be able to set LD_PRELOAD or PATH for the run. */
static int valid_knob(const char *t)
{
	if (strncmp(t, "KVMEMU_", 7))
		return 0;
	const char *p = t + 7;
	if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p))
		return 0;
	while (isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_')
		p++;
	return *p == '=';
}

static const char *parse_emu_env(const char *v, char ***out)
{
	char *copy = xstrdup(v);
	size_t n = 0;
	char **env = xmalloc(sizeof *env);
	const char *why = NULL;
	for (char *save, *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (!valid_knob(t)) {
			why = "emu-env must be KVMEMU_NAME=value words";
			break;
		}
		env = xrealloc(env, (n + 2) * sizeof *env);
		env[n++] = xstrdup(t);
	}
	env[n] = NULL;
	free(copy);
	if (!why && n == 0)
		why = "emu-env is empty";
	if (why) {
		for (size_t i = 0; i < n; i++)
			free(env[i]);
		free(env);
		return why;
	}
	*out = env;
	return NULL;
}

/* Sets one key; returns NULL or what is wrong with the value. */
static const char *set_key(struct scenario *sc, enum key k, const char *v)
{
	if (!*v && k != K_EXPECT_STDOUT)
		return "empty value";
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "control character in value (write it escaped in expect-stdout)";
	switch (k) {
	case K_TITLE: sc->title = xstrdup(v); return NULL;
	case K_HINT: sc->hint = xstrdup(v); return NULL;
	case K_HINT_ZH: sc->hint_zh = xstrdup(v); return NULL;
	case K_TITLE_ZH: sc->title_zh = xstrdup(v); return NULL;
	case K_HINT_ON:
		if (!strcmp(v, "any"))
			sc->hint_on = HINT_ON_ANY;
		else if (!strcmp(v, "exit"))
			sc->hint_on = HINT_ON_EXIT;
		else if (!strcmp(v, "output"))
			sc->hint_on = HINT_ON_OUTPUT;
		else
			return "hint-on must be 'any', 'exit' or 'output'";
		return NULL;
	case K_POINTS:
		return parse_points(v, &sc->points) < 0 ? "points must be an integer >= 0" : NULL;
	case K_VISIBILITY:
		if (strcmp(v, "public") && strcmp(v, "hidden"))
			return "visibility must be 'public' or 'hidden'";
		sc->hidden = !strcmp(v, "hidden");
		return NULL;
	case K_BACKEND:
		if (strcmp(v, "any") && strcmp(v, "emu"))
			return "backend must be 'any' or 'emu'";
		sc->emu_only = !strcmp(v, "emu");
		return NULL;
	case K_EMU_ENV: return parse_emu_env(v, &sc->emu_env);
	case K_RANDOM:
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return "random must be 'yes' or 'no'";
		sc->random = !strcmp(v, "yes");
		return NULL;
	case K_EXPECT_EXIT:
		if (exit_class_parse(v, &sc->pin_exit) < 0)
			return "expect-exit must be 'success' or 'error'";
		return NULL;
	case K_EXPECT_STDOUT: {
		const char *why = NULL;
		sc->pin_out = unescape_c_quoted(v, &sc->pin_out_len, &why);
		return sc->pin_out ? NULL : why;
	}
	case K_TIMEOUT:
		return parse_seconds(v, LAB_MAX_TIMEOUT, &sc->timeout) < 0 ? "timeout must be a number of seconds in (0, 600]" : NULL;
	case K_INSN_BUDGET:
		return parse_ulong(v, LAB_MAX_INSN_BUDGET, &sc->insn_budget) < 0 || !sc->insn_budget
			? "insn-budget must be a whole number of guest instructions in [1, 1e11]" : NULL;
	case K_COUNT: break;
	}
	return "unknown key";
}

static int fail(char *err, size_t errlen, const char *path, int line, const char *what, const char *key)
{
	if (key)
		snprintf(err, errlen, "%s:%d: %s '%s'", path, line, what, key);
	else
		snprintf(err, errlen, "%s:%d: %s", path, line, what);
	return -1;
}

static int parse_lines(const char *path, char *text, struct scenario *sc, char *err, size_t errlen)
{
	int line_of[K_COUNT] = {0};
	int lineno = 0;
	char *line = text;
	while (line && *line) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *key, *val;
		if (split_header_line(line, &key, &val) < 0)
			break;
		int k = 0;
		while (k < K_COUNT && strcmp(key, key_names[k]))
			k++;
		if (k == K_COUNT)
			return fail(err, errlen, path, lineno, "unknown key", key);
		if (line_of[k])
			return fail(err, errlen, path, lineno, "duplicate key", key);
		line_of[k] = lineno;
		sc->key_lines[k] = lineno;
		const char *why = set_key(sc, (enum key)k, val);
		if (why) {
			char msg[160];
			snprintf(msg, sizeof msg, "%s: %s", key, why);
			return fail(err, errlen, path, lineno, msg, NULL);
		}
		line = next;
	}
	/* Missing keys are reported where the header ends: that's where to add them. */
	int end = lineno ? lineno : 1;
	if (!line_of[K_TITLE])
		return fail(err, errlen, path, end, "missing required key", "title");
	if (!line_of[K_POINTS])
		return fail(err, errlen, path, end, "missing required key", "points");
	if (line_of[K_EMU_ENV] && !sc->emu_only)
		return fail(err, errlen, path, line_of[K_EMU_ENV], "emu-env requires 'backend: emu'", NULL);
	if (line_of[K_HINT_ZH] && !line_of[K_HINT])   /* English is every report's default */
		return fail(err, errlen, path, line_of[K_HINT_ZH], "hint-zh requires 'hint' (the English one)", NULL);
	if (line_of[K_HINT_ON] && !line_of[K_HINT])
		return fail(err, errlen, path, line_of[K_HINT_ON], "hint-on requires 'hint'", NULL);
	return 0;
}

int scenario_parse(const char *path, const char *text, struct scenario *sc, char *err, size_t errlen)
{
	char *copy = xstrdup(text);
	/* Windows line endings shouldn't make a header invalid. */
	for (char *p = copy; *p; p++)
		if (*p == '\r' && p[1] == '\n')
			*p = ' ';
	free(sc->key_lines);
	sc->key_lines = xmalloc(K_COUNT * sizeof *sc->key_lines);
	memset(sc->key_lines, 0, K_COUNT * sizeof *sc->key_lines);
	int rc = parse_lines(path, copy, sc, err, errlen);
	free(copy);
	return rc;
}

void scenario_free(struct scenario *sc)
{
	free(sc->name);
	free(sc->path);
	free(sc->title);
	free(sc->hint);
	free(sc->hint_zh);
	free(sc->title_zh);
	free(sc->pin_out);
	if (sc->emu_env)
		for (char **e = sc->emu_env; *e; e++)
			free(*e);
	free(sc->emu_env);
	free(sc->key_lines);
	memset(sc, 0, sizeof *sc);
}

int scenario_key_line(const struct scenario *sc, const char *key)
{
	for (int k = 0; k < K_COUNT && sc->key_lines; k++)
		if (!strcmp(key, key_names[k]))
			return sc->key_lines[k] ? sc->key_lines[k] : 1;
	return 1;
}

void scenarios_free(struct scenario *v, int n)
{
	for (int i = 0; i < n; i++)
		scenario_free(&v[i]);
	free(v);
}

/* ---- discovery ------------------------------------------------------- */

int scenario_discover(const char *dir, struct scenario **out, char *err, size_t errlen)
{
	char **names;
	int n = list_suffix(dir, ".asm", &names);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	struct scenario *v = xmalloc((size_t)(n ? n : 1) * sizeof *v);
	memset(v, 0, (size_t)(n ? n : 1) * sizeof *v);
	int rc = n;
	for (int i = 0; i < n; i++) {
		v[i].path = path_join(dir, names[i]);
		v[i].name = xstrdup(names[i]);
		v[i].name[strlen(names[i]) - 4] = '\0';
		char *text = rc >= 0 ? read_file(v[i].path, NULL, 1 << 20) : NULL;
		if (rc >= 0 && !text) {
			snprintf(err, errlen, "%s: %s", v[i].path, strerror(errno));
			rc = -1;
		} else if (rc >= 0 && scenario_parse(v[i].path, text, &v[i], err, errlen) < 0) {
			rc = -1;
		}
		free(text);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc < 0) {
		scenarios_free(v, n);
		return -1;
	}
	*out = v;
	return n;
}

int scenario_load(const char *dir, int public_only, struct scenario **out, char *err, size_t errlen)
{
	int n = scenario_discover(dir, out, err, errlen), k = 0;
	for (int i = 0; i < n; i++) {
		if (public_only && (*out)[i].hidden)
			scenario_free(&(*out)[i]);
		else
			(*out)[k++] = (*out)[i];
	}
	return n < 0 ? n : k;
}

unsigned long seed_fresh(void)
{
	unsigned int r = 0;
	if (getrandom(&r, sizeof r, 0) != sizeof r)
		r = (unsigned int)getpid() ^ (unsigned int)(now_s() * 1e6);
	return 1 + r % 2000000000u;
}

/* ---- assembling ------------------------------------------------------ */

/* Runs a trusted command (nasm) with a wall-clock timeout, stdout to
 * /dev/null, stderr captured (capped). Returns its exit status, or -1. */
static int run_trusted(char *const argv[], double timeout_s, struct buf *errout)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(pfd[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	double deadline = now_s() + timeout_s;
	int timed_out = 0;
	for (;;) {
		double left = deadline - now_s();
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		char chunk[4096];
		ssize_t got = read(pfd[0], chunk, sizeof chunk);
		if (got <= 0)
			break;
		if (errout->len < 16384)
			buf_add(errout, chunk, (size_t)got);
	}
	close(pfd[0]);
	if (timed_out)
		kill(pid, SIGKILL);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		buf_addf(errout, "%s: timed out after %g s\n", argv[0], timeout_s);
		return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first few lines of nasm's output (it names file:line itself). */
static void first_lines(const char *s, int max, char *out, size_t outlen)
{
	struct buf b = {0};
	int lines = 0;
	for (const char *p = s; *p && lines < max; p++) {
		if (*p == '\n') {
			if (++lines < max)
				buf_adds(&b, "; ");
			continue;
		}
		buf_addc(&b, *p);
	}
	snprintf(out, outlen, "%s", buf_str(&b));
	buf_free(&b);
}

/* The cache key of an image: what nasm reads and is told. The scenario's
 * source, every *.inc of its folder (name and content, sorted by name: the
 * files a scenario may %include, e.g. guests/<lab>/serial.inc; an edited,
 * added or removed include is a new key, never a stale image), and the seed
 * argument. Returns 0, or -1 with "path: why" in err. */
static int image_key(const char *src, const char *dir, const char *seedarg, struct digest *key,
		     char *err, size_t errlen)
{
	/* The recipe's name first: keys of another recipe never match. */
	struct hash h;
	hash_init(&h, "virtlab image 2: source, *.inc, seed (sha256)");
	if (hash_file(src, &h) < 0) {
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		return -1;
	}
	int rc = hash_files(dir, ".inc", &h, err, errlen);
	hash_str(&h, seedarg);
	*key = hash_digest(&h);
	return rc;
}

char *scenario_assemble(const struct scenario *sc, unsigned long seed, const char *cachedir,
			char *err, size_t errlen)
{
	/* The scenario's folder: its includes are there. */
	const char *slash = strrchr(sc->path, '/');
	char *dir = !slash ? xstrdup(".") : slash == sc->path ? xstrdup("/")
		  : xasprintf("%.*s", (int)(slash - sc->path), sc->path);
	char seedarg[48] = "";
	if (sc->random)
		snprintf(seedarg, sizeof seedarg, "-DSEED=%lu", seed);
	struct digest h;
	if (image_key(sc->path, dir, seedarg, &h, err, errlen) < 0) {
		free(dir);
		return NULL;
	}
	char *img = xasprintf("%s/%s-%s.bin", cachedir, sc->name, h.hex);
	struct stat st;
	if (stat(img, &st) == 0 && S_ISREG(st.st_mode)) {
		free(dir);
		return img;
	}

	/* Assemble to a private name, then rename: parallel graders share the cache.
	 * The scenario's folder is on the include path (nasm looks nowhere else). */
	char *tmp = xasprintf("%s.tmp.%ld", img, (long)getpid());
	char *inc = xasprintf("-I%s/", dir);
	char *argv[] = { "nasm", "-f", "bin", "-o", tmp, inc, (char *)sc->path,
			 sc->random ? seedarg : NULL, NULL };
	struct buf diag = {0};
	int rc = run_trusted(argv, NASM_TIMEOUT_S, &diag);
	if (rc != 0) {
		char lines[400];
		first_lines(diag.len ? buf_str(&diag) : "nasm failed without a message", 3, lines, sizeof lines);
		snprintf(err, errlen, "assembling %s failed: %s", sc->path, lines);
		unlink(tmp);
		free(img);
		img = NULL;
	} else if (rename(tmp, img) < 0) {
		snprintf(err, errlen, "%s: %s", img, strerror(errno));
		unlink(tmp);
		free(img);
		img = NULL;
	}
	buf_free(&diag);
	free(tmp);
	free(inc);
	free(dir);
	return img;
}

const char *exit_class_word(enum exit_class c)
{
	return c == EXIT_SUCCESS_CLASS ? "success" : "error";
}

int exit_class_parse(const char *w, enum exit_class *c)
{
	if (!strcmp(w, "success"))
		*c = EXIT_SUCCESS_CLASS;
	else if (!strcmp(w, "error"))
		*c = EXIT_ERROR_CLASS;
	else
		return -1;
	return 0;
}

const char *exit_class_phrase(enum exit_class c)
{
	return c == EXIT_SUCCESS_CLASS ? "exit status 0" : "an error exit with a message on stderr";
}
