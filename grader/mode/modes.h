/*
 * modes.h — the modes of `grade`, each a thin layer over the grading core
 * (DESIGN.md, "Architecture"). main.c parses the command line (cli.h) and
 * calls one; each returns the exit status.
 */
#ifndef VIRTLAB_MODES_H
#define VIRTLAB_MODES_H

#include "cli.h"
#include "kit.h"
#include "util.h"

/* single.c: `grade SUBMISSION.c` (and each child of a batch). */
int single_main(const struct cli *opt);
/* batch.c: `grade --batch DIR`. */
int batch_main(const struct cli *opt);
/* checklab.c: `grade --check-lab`. */
int checklab_main(const struct cli *opt);
/* labinfo.c: `grade --lab-info`. */
int labinfo_main(const struct cli *opt);

#endif
