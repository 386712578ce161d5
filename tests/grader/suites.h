/* suites.h — one Check suite per grader concern. */
#ifndef VIRTLAB_TEST_SUITES_H
#define VIRTLAB_TEST_SUITES_H

#include <check.h>

Suite *suite_scenario(void);
Suite *suite_lab(void);
Suite *suite_verdict(void);
Suite *suite_json(void);
Suite *suite_util(void);
Suite *suite_expect(void);
Suite *suite_intake(void);

#endif
