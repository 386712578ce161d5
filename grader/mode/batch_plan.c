/*
 * batch_plan.c — who a run of grade --batch grades (batch.h): resume keyed
 * on content (a final row whose key names these options, this lab and these
 * bytes is reused, whatever the timestamps), --student NAME (exactly those,
 * the others' rows kept), --force (everyone).
 */
#include "batch.h"
#include "intake.h"
#include "locate.h"
#include "modes.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define fail(...) setup_error_as("grade", __VA_ARGS__)

struct digest submission_hash(const char *data, size_t len)
{
	struct hash h;
	hash_init(&h, "virtlab submission 2 (sha256)");
	hash_add(&h, data, len);
	return hash_digest(&h);
}

char *student_key(const char *base, const struct digest *content)
{
	return xasprintf("%s content=%s", base, content->hex);
}

int key_same_lab(const char *key, const char *base)
{
	size_t n = strlen(base);
	return !strncmp(key, base, n) && !strncmp(key + n, " content=", 9);
}

int student_find(const struct student *st, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(st[i].name, name) || !strcmp(st[i].entry, name))
			return i;
	return -1;
}

/* The hash of the student's submission as intake reads it now (the bytes
 * a child would grade). 0 with *h, -1 when intake refuses it (spawn then
 * refuses it again, with its cause). */
static int submission_content(const struct batch *b, const struct student *s, struct digest *h)
{
	struct intake in;
	int fd = batch_open_submission(b, s, &in);
	int rc = fd >= 0 ? intake_read(fd, INTAKE_MAX_BYTES, &in) : -1;
	if (fd >= 0)
		close(fd);
	if (rc == 0)
		*h = submission_hash(in.data, in.len);
	intake_free(&in);
	return rc;
}

/* Resume: a final row made from these options, this lab and these bytes,
 * with its results file beside it. No timestamp is looked at: hashing a
 * class's files (a few KiB each, 1 MiB at most) costs milliseconds, and an
 * mtime fast path would reuse a changed file that kept its old mtime. */
static int try_reuse(struct batch *b, struct student *s)
{
	char *json = batch_out_file(b, s->name, ".json");
	int have_json = access(json, F_OK) == 0;
	free(json);
	char *key = NULL, *want = NULL;
	struct digest h;
	int valid = have_json && student_read_row(b, s, &key) == 0 && s->final;
	int ok = valid && submission_content(b, s, &h) == 0 &&
		 !strcmp(key, want = student_key(b->key, &h));
	if (!ok)
		student_reset(b, s);
	s->reused = ok;
	s->changed = valid && !ok && key_same_lab(key, b->key);
	s->stale = valid && !ok && !s->changed;
	free(key);
	free(want);
	return ok;
}

int batch_open_submission(const struct batch *b, const struct student *s, struct intake *in)
{
	if (!s->in_folder)
		return intake_open(b->class_fd, s->entry, in);
	int dfd = intake_open_dir(b->class_fd, s->entry, in);
	if (dfd < 0)
		return -1;
	int fd = locate_open(dfd, s->inner, in);
	close(dfd);
	return fd;
}

/* --student: a row kept as it is (any key: the TA asked for the others
 * to stay); none, and the student stays "not graded". 1 when it differs
 * from what this run would have made (other bytes, options or lab). */
static int keep_row(struct batch *b, struct student *s)
{
	char *key = NULL;
	s->keep = 1;
	if (student_read_row(b, s, &key) < 0) {
		student_reset(b, s);
		return 0;
	}
	struct digest h;
	char *want = NULL;
	int same = submission_content(b, s, &h) == 0 && !strcmp(key, want = student_key(b->key, &h));
	free(key);
	free(want);
	return !same;
}

/* --student NAME (repeatable; a value that is no student's name is also
 * tried as a comma-separated list). Names come from the class folder:
 * matched exactly, and an unknown one lists no other student's name. */
static int select_students(struct batch *b, int *selected)
{
	for (int i = 0; i < b->opt->nstudents; i++) {
		const char *arg = b->opt->students[i];
		int k = student_find(b->st, b->n, arg);
		if (k >= 0) {
			selected[k] = 1;
			continue;
		}
		char *list = xstrdup(arg), *save = NULL;
		int rc = 0;
		for (char *t = strtok_r(list, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
			if ((k = student_find(b->st, b->n, t)) >= 0) {
				selected[k] = 1;
			} else {
				char *p = printable(t);
				rc = fail("--student: no student named '%s' in %s (a student is a folder's name, "
					  "or a STUDENT.c file's, exactly)", p, b->dir);
				free(p);
			}
		}
		free(list);
		if (rc)
			return rc;
	}
	return 0;
}

void batch_forced_done(struct batch *b, const struct student *s)
{
	if (!b->opt->force || strchr(s->name, '\n'))
		return;   /* such a name can't be a line: regraded next time */
	char *p = path_join(b->out, BATCH_FORCED);
	int fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	free(p);
	if (fd < 0)
		return;   /* only a resume that regrades more */
	char *line = xasprintf("%s\n", s->name);
	ssize_t n = write(fd, line, strlen(line));
	(void)n;
	free(line);
	close(fd);
}

void batch_forced_finish(struct batch *b)
{
	char *p = path_join(b->out, BATCH_FORCED);
	unlink(p);
	free(p);
}

/* An interrupted --force run's journal: is s in it? */
static int forced_already(const char *journal, const char *name)
{
	size_t n = strlen(name);
	for (const char *l = journal; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (len == n && !strncmp(l, name, n))
			return 1;
		l = nl ? nl + 1 : l + len;
	}
	return 0;
}

/* Who this run grades: with --student exactly those, with --force
 * everyone, else everyone whose row can't be reused. A student without a
 * source is decided already; one without a row whose file intake refuses
 * is "graded" too (a refusal runs nothing, spawn() writes it). */
int batch_plan(struct batch *b)
{
	int *selected = xmalloc((size_t)b->n * sizeof *selected);
	memset(selected, 0, (size_t)b->n * sizeof *selected);
	int rc = select_students(b, selected), kept_other = 0, unrowed = 0;
	char *jp = path_join(b->out, BATCH_FORCED);
	char *journal = b->opt->force ? read_file(jp, NULL, 1 << 24) : NULL;
	free(jp);
	for (int i = 0; i < b->n && !rc; i++) {
		struct student *s = &b->st[i];
		struct digest h;
		int grade;
		if (!s->src)
			grade = 0;
		else if (b->opt->nstudents && !selected[i]) {
			kept_other += keep_row(b, s);
			grade = s->status == ROW_UNKNOWN && submission_content(b, s, &h) < 0;
			unrowed += s->status == ROW_UNKNOWN && !grade;
			s->keep = !grade;
		} else if (b->opt->force && journal && forced_already(journal, s->name)) {
			grade = !try_reuse(b, s);   /* graded by the interrupted forced run */
			b->forced_resumed += !grade;
		} else {
			grade = b->opt->force || b->opt->nstudents || !try_reuse(b, s);
			b->named += b->opt->nstudents && selected[i];
		}
		if (grade)
			b->todo++;
		else
			b->done++;
	}
	free(selected);
	free(journal);
	b->kept_other = kept_other;
	b->unrowed = unrowed;
	return rc;
}
