/*
 * kit.h — the kit's layout, in one place (HACKING.md, "Kit layout"): the
 * root, the build dir, and where a lab's parts live. No other file of the
 * grader spells a kit path; a lab is data: another lab is another name here.
 *
 *   labs/<lab>/lab.conf          the lab's definition
 *   labs/<lab>/mutants/          faulty handlers (check-lab)
 *   guests/<lab>/                scenarios (*.asm) and their includes (*.inc)
 *   skeleton/<lab>/<source>      the students' starting point
 *   solution/<lab>/<source>      the reference
 *   handout/<lab>/               the lab text
 *   <build>/                     everything built: grade, libkvmemu.so, ...
 *   <build>/cache/<lab>/         images, reference runs, built VMMs
 *
 * Every mode enters the root (kit_enter) before it touches the kit, so the
 * lab's paths are relative to it: they read as the kit's files in messages
 * ("guests/cpu_lab/hello.asm:3: ...").
 */
#ifndef VIRTLAB_KIT_H
#define VIRTLAB_KIT_H

#include <stddef.h>

struct kit {
	char *root;          /* absolute */
	char *build;         /* the build dir: "build" (under the root) or an absolute path */
	const char *lab;     /* the lab's name (kit_lab_name_ok) */
};

/* The lab when no --lab is given. */
#define KIT_DEFAULT_LAB "cpu_lab"
/* The build dir under the root when no --build is given. (Not taken from
 * the environment: a variable exported for one kit would leak into another,
 * e.g. the student tarball's `make check` run from a test of this one.) */
#define KIT_DEFAULT_BUILD "build"

/* Finds the kit and enters it: the root is `root` (relative to where grade
 * started: caller_path) or, when NULL, the directory above the one holding
 * this executable (grade is <root>/build/grade); the build dir is `build`
 * (relative to where grade started), else <root>/build. chdir()s to the
 * root. A grade built outside the kit (make BUILD=../elsewhere) is given
 * both by the Makefile. 0, or -1 with a one-line reason in err. */
int kit_enter(struct kit *k, const char *root, const char *build, const char *lab, char *err, size_t errlen);
void kit_free(struct kit *k);

/* The lab's parts, relative to the root (malloc'd). */
char *kit_conf(const struct kit *k);                        /* labs/<lab>/lab.conf */
char *kit_mutants(const struct kit *k);                     /* labs/<lab>/mutants */
char *kit_guests(const struct kit *k);                      /* guests/<lab> */
char *kit_skeleton(const struct kit *k, const char *source); /* skeleton/<lab>/<source> */
char *kit_solution(const struct kit *k, const char *source); /* solution/<lab>/<source> */
char *kit_handout(const struct kit *k);                     /* handout/<lab> */
/* <build>/cache/<lab>: images, reference runs, built VMMs. */
char *kit_cache(const struct kit *k);

/* libkvmemu.so: $KVMEMU_LIB (relative to where grade started) when set,
 * else <build>/libkvmemu.so. The real path (malloc'd), or NULL when it is
 * not a regular file. */
char *kit_emu_lib(const struct kit *k);
/* Where kit_emu_lib looks, for a message: $KVMEMU_LIB or
 * "build/libkvmemu.so". malloc'd. */
char *kit_emu_lib_name(const struct kit *k);
/* What `make` builds it as: "<build>/libkvmemu.so". malloc'd. */
char *kit_emu_lib_target(const struct kit *k);

/* A lab's name is one folder name of each lab folder: not empty, no '/',
 * not starting with '.'. */
int kit_lab_name_ok(const char *name);

#endif
