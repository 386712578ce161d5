/*
 * main.c — `grade`: the command line (util/cli.c), then one mode (mode/):
 *
 *   grade SUBMISSION.c     one submission          mode/single.c
 *   grade --batch DIR      a class, in parallel    mode/batch.c
 *   grade --check-lab      the lab's suite         mode/checklab.c
 *   grade --lab-info       what make needs         mode/labinfo.c
 *
 * Every mode grades through the grading core (core/grading.h) and renders
 * through report/; none reaches into another.
 */
#include "modes.h"

int main(int argc, char **argv)
{
	remember_start_dir();   /* before any mode enters the kit root */
	struct cli opt;
	int rc = cli_parse(argc, argv, &opt);
	if (rc)
		return rc == CLI_HELP ? 0 : rc;
	switch (opt.mode) {
	case MODE_BATCH: return batch_main(&opt);
	case MODE_CHECKLAB: return checklab_main(&opt);
	case MODE_LAB_INFO: return labinfo_main(&opt);
	case MODE_GRADE: break;
	}
	return single_main(&opt);
}
