/* tests.h - shared declarations of kvmemu's Check suite. */
#ifndef VIRTLAB_TESTS_TESTS_H
#define VIRTLAB_TESTS_TESTS_H

#include <check.h>
#include "vmm.h"

/* Helper modes of check_kvmemu (run in a fresh process, see test_knobs.c). */
int knob_main(const char *mode);

#endif
