/* tests.h - shared declarations of kvmemu's Check suite. */
#ifndef VIRTLAB_TESTS_TESTS_H
#define VIRTLAB_TESTS_TESTS_H

#include <check.h>
#include "vmm.h"

Suite *api_suite(void);
Suite *pio_suite(void);
Suite *exits_suite(void);
Suite *mem_suite(void);
Suite *knobs_suite(void);
Suite *lwn_suite(void);
Suite *pmode_suite(void);
Suite *paging_suite(void);
Suite *cpu_suite(void);

/* Helper modes of check_kvmemu (run in a fresh process, see test_knobs.c). */
int knob_main(const char *mode);

#endif
