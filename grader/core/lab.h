/*
 * lab.h — a lab's definition, parsed from labs/<lab>/lab.conf.
 */
#ifndef VIRTLAB_LAB_H
#define VIRTLAB_LAB_H

#include <stddef.h>

struct lab {
	char *name;       /* "cpu_lab" */
	char *source;     /* file students submit, "sample-qemu.c" */
	char *cflags;     /* students' compile flags, split on blanks (no shell) */
	char *ldflags;
	double timeout;   /* a run's budget: CPU seconds of the whole box (run.c: the wall
			   * clock is only a safety net); the key keeps its old name */
	unsigned long insn_budget; /* a kvmemu run's budget in guest instructions (KVMEMU_INSN_LIMIT),
			   * besides `timeout`'s CPU time; lab.conf `insn_budget` */
	size_t out_cap;   /* bytes of stdout kept per run */
	size_t image_max; /* bytes a guest image may have (the guest image contract) */
	char *splice_label; /* where a mutant's handler body goes (splice.h) */
	int warning_penalty; /* points taken once from a grading whose build warned (default 0) */
	enum splice_rule { SPLICE_LABEL, SPLICE_REGIONS } splice;   /* lab.conf `splice` (splice.h) */
	char *order;      /* the teaching order: scenario names, blank-separated (NULL: by name);
			     reports list failures in it, simplest first (diagnose.h) */
};

/* Defaults for keys lab.conf leaves out. */
#define LAB_DEFAULT_TIMEOUT 2.0
#define LAB_DEFAULT_OUT_CAP 65536
/* Guest instructions per kvmemu run; a lab's references run at most ~131 k
 * (mem_lab's dirty_huge): 76x headroom, and a spinning guest costs ~0.2 s. */
#define LAB_DEFAULT_INSN_BUDGET 10000000ul
#define LAB_MAX_INSN_BUDGET 100000000000ul
/* A run's wall-clock limit, lab.conf's or a scenario's, is at most this. */
#define LAB_MAX_TIMEOUT 600.0
#define LAB_DEFAULT_IMAGE_MAX (48 * 1024)   /* cpu_lab's: 0x1000 + 48 KiB fits its 64 KiB slot */
#define LAB_DEFAULT_SPLICE_LABEL "case KVM_EXIT_IO:"   /* cpu_lab's */

/* Parses text (the contents of `path`, used only in messages) into lab.
 * Returns 0, or -1 with one line "path:line: what" in err. */
int lab_parse(const char *path, const char *text, struct lab *lab, char *err, size_t errlen);
/* Reads and parses a file. */
int lab_load(const char *path, struct lab *lab, char *err, size_t errlen);
/* 1 when name can name a lab folder (not empty, no '/', not hidden). */
int lab_name_ok(const char *name);
void lab_free(struct lab *lab);

#endif
