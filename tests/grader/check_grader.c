/* check_grader.c — runs the grader's unit tests: every TEST() of the
 * files in tests/grader (tests/check_decl.h registers them). */
#include "check_decl.h"

int main(void)
{
	return check_run();
}
