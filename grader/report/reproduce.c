/* reproduce.c — the one-line command that reruns a failed scenario by hand
 * in the student tarball (report.h). Its layout is scripts/mkdist's: the
 * VMM's Makefile and ./kvm-emu at the top, the public scenarios under
 * kit/guests/<lab>/, and `make guests/NAME.bin` assembling one with the
 * tarball's self-check seed (kit/expect/SEED). */
#include "report.h"

#include <stdlib.h>
#include <string.h>

/* A scenario's knobs (KVMEMU_X=v, from its header), then the program. */
static void run_part(struct buf *b, const char *program, const struct scenario *sc, enum backend be,
		     const char *image)
{
	for (char *const *e = sc->emu_env; e && *e; e++)
		buf_addf(b, "%s ", *e);
	buf_addf(b, "%s./%s %s", be == BACKEND_EMU ? "./kvm-emu " : "", program, image);
}

void reproduce_command(struct buf *b, const char *program, const char *lab_dir, const struct scenario *sc,
		       enum backend be, unsigned long seed, int with_seed)
{
	if (sc->random && with_seed) {
		/* The graded run's own seed: assembled by hand, beside make's images. */
		char *image = xasprintf("guests/%s-seed%lu.bin", sc->name, seed);
		buf_addf(b, "make -s %s && mkdir -p guests && nasm -f bin -I kit/guests/%s/ -DSEED=%lu -o %s "
			 "kit/guests/%s/%s.asm && ", program, lab_dir, seed, image, lab_dir, sc->name);
		run_part(b, program, sc, be, image);
		free(image);
		return;
	}
	char *image = xasprintf("guests/%s.bin", sc->name);
	buf_addf(b, "make -s %s %s && ", program, image);
	run_part(b, program, sc, be, image);
	free(image);
}
