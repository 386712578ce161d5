/* check_grader.c — runs the grader's unit suites (Check). */
#include <check.h>
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *sr = srunner_create(suite_scenario());
	srunner_add_suite(sr, suite_lab());
	srunner_add_suite(sr, suite_verdict());
	srunner_add_suite(sr, suite_json());
	srunner_add_suite(sr, suite_util());
	srunner_add_suite(sr, suite_expect());
	srunner_add_suite(sr, suite_intake());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
