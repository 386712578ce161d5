/* test_batch.c — grade --batch's logic apart from processes: the row a child
 * leaves (report/row.c), the gradebook (report/csv.c), a student taking a
 * row (mode/batch.c), and the command line of every mode (util/cli.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "check_decl.h"
#include "cli.h"
#include "csv.h"
#include "row.h"

CHECK_SUITE("batch", "batch", NULL, NULL, 0);

static struct scenario scs[2] = { { .name = "hello", .points = 3 }, { .name = "wrong_port", .points = 2 } };

/* A grading of two scenarios: hello passed, wrong_port failed. */
static void two_results(struct grading *g, struct sc_result *res)
{
	memset(g, 0, sizeof *g);
	memset(res, 0, 2 * sizeof *res);
	res[0].sc = &scs[0];
	res[0].score = 3;
	res[1].sc = &scs[1];
	res[1].v.code = CAUSE_WRONG_EXIT;
	g->res = res;
	g->n = 2;
	g->score = 3;
	g->max = 5;
	g->build.ok = 1;
	g->build.warnings = 2;
}

TEST(row_round_trip)
{
	struct grading g;
	struct sc_result res[2];
	two_results(&g, res);
	struct buf b = {0};
	row_render(&b, "lab=cpu_lab seed=7", &g, 0);
	ck_assert_str_eq(buf_str(&b), ROW_MAGIC "\nkey lab=cpu_lab seed=7\nstatus graded\nscore 3\nmax 5\n"
				      "warnings 2\nsc\thello\t3\t3\tpassed\nsc\twrong_port\t0\t2\twrong-exit\n");
	struct row r;
	ck_assert_int_eq(row_parse(buf_str(&b), &r), 0);
	ck_assert_str_eq(r.key, "lab=cpu_lab seed=7");
	ck_assert_int_eq(r.status, ROW_GRADED);
	ck_assert_ptr_null(r.detail);
	ck_assert_int_eq(r.score, 3);
	ck_assert_int_eq(r.max, 5);
	ck_assert_int_eq(r.nsc, 2);
	ck_assert_str_eq(r.sc[1].name, "wrong_port");
	ck_assert_int_eq(r.sc[1].points, 0);
	ck_assert_int_eq(r.sc[1].max, 2);
	ck_assert_int_eq(r.sc[0].cause, CAUSE_PASSED);
	ck_assert_int_eq(r.sc[1].cause, CAUSE_WRONG_EXIT);
	ck_assert_int_eq(r.warnings, 2);
	row_free(&r);
	buf_free(&b);
}
END_TEST

/* A row made before causes and warnings existed still reads: unknown causes, 0 warnings. */
TEST(row_without_causes)
{
	struct row r;
	ck_assert_int_eq(row_parse(ROW_MAGIC "\nkey k\nstatus graded\nscore 3\nmax 5\nsc\thello\t3\t3\n"
				   "sc\tx\t0\t2\tno-such-cause\n", &r), 0);
	ck_assert_int_eq(r.nsc, 2);
	ck_assert_int_eq(r.sc[0].cause, CAUSE_COUNT);
	ck_assert_int_eq(r.sc[1].cause, CAUSE_COUNT);
	ck_assert_int_eq(r.warnings, 0);
	row_free(&r);
}
END_TEST

TEST(row_statuses)
{
	struct grading g;
	struct sc_result res[2];
	char *d;
	two_results(&g, res);
	ck_assert_int_eq(row_status_of(&g, 0, &d), ROW_GRADED);
	ck_assert_ptr_null(d);
	g.build.ok = 0;
	ck_assert_int_eq(row_status_of(&g, 0, &d), ROW_NO_COMPILE);
	g.rejected = "symlink";
	ck_assert_int_eq(row_status_of(&g, 0, &d), ROW_REJECTED);
	ck_assert_str_eq(d, "symlink");
	free(d);
	g.grader_errors = 2;
	ck_assert_int_eq(row_status_of(&g, 0, &d), ROW_GRADER_ERROR);
	ck_assert_str_eq(d, "2 scenario(s) could not be graded");
	free(d);
	g.grader_errors = 0;
	g.rejected = NULL;
	g.build.ok = 1;
	ck_assert_int_eq(row_status_of(&g, 2, &d), ROW_GRADER_ERROR);
	ck_assert_str_eq(d, "grade exited 2 after grading");
	free(d);
	/* What a resumed batch keeps: the student's own outcomes only. */
	ck_assert(row_status_final(ROW_GRADED) && row_status_final(ROW_NO_COMPILE) && row_status_final(ROW_REJECTED));
	ck_assert(!row_status_final(ROW_GRADER_ERROR) && !row_status_final(ROW_SETUP_ERROR) &&
		  !row_status_final(ROW_UNKNOWN));
	char *t = row_status_text(ROW_NO_SOURCE, NULL, "sample-qemu.c");
	ck_assert_str_eq(t, "no sample-qemu.c in the folder");
	free(t);
	t = row_status_text(ROW_SETUP_ERROR, "no scenarios", "x.c");
	ck_assert_str_eq(t, "setup error: no scenarios");
	free(t);
}
END_TEST

TEST(row_refuses_garbage)
{
	struct row r;
	ck_assert_int_eq(row_parse(NULL, &r), -1);
	ck_assert_int_eq(row_parse("virtlab-batch-row 2\nkey k\nstatus graded\n", &r), -1);
	ck_assert_int_eq(row_parse(ROW_MAGIC "\nstatus graded\n", &r), -1);           /* no key */
	ck_assert_int_eq(row_parse(ROW_MAGIC "\nkey k\nstatus exploded\n", &r), -1);  /* unknown status */
	ck_assert_int_eq(row_parse(ROW_MAGIC "\nkey k\nstatus rejected: empty\n", &r), 0);
	ck_assert_int_eq(r.status, ROW_REJECTED);
	ck_assert_str_eq(r.detail, "empty");
	row_free(&r);
}
END_TEST

TEST(student_takes_row_by_scenario_name)
{
	struct batch b;
	memset(&b, 0, sizeof b);
	b.core.sc = scs;
	b.core.nsc = 2;
	int pts[2] = { -1, -1 };
	struct student s = { .name = "alice", .pts = pts };
	struct row r;
	/* scenarios in another order, one unknown to this batch */
	ck_assert_int_eq(row_parse(ROW_MAGIC "\nkey K\nstatus did not compile\nscore 0\nmax 5\n"
				   "sc\twrong_port\t0\t2\nsc\tgone\t9\t9\nsc\thello\t0\t3\n", &r), 0);
	ck_assert_int_eq(student_take_row(&b, &s, &r, "other key"), -1);
	ck_assert_int_eq(student_take_row(&b, &s, &r, "K"), 0);
	ck_assert_int_eq(s.status, ROW_NO_COMPILE);
	ck_assert(s.final && s.have_scores);
	ck_assert_int_eq(pts[0], 0);
	ck_assert_int_eq(pts[1], 0);
	row_free(&r);
	student_reset(&b, &s);
	ck_assert_int_eq(s.status, ROW_UNKNOWN);
	ck_assert_int_eq(pts[0], -1);
}
END_TEST

TEST(csv_cells)
{
	struct buf b = {0};
	csv_field(&b, "=HYPERLINK(\"x\")");
	buf_addc(&b, '|');
	csv_field(&b, "a,b");
	buf_addc(&b, '|');
	csv_field(&b, "\x1b[31m\\");
	buf_addc(&b, '|');
	csv_field(&b, " lead");
	ck_assert_str_eq(buf_str(&b), "\"'=HYPERLINK(\"\"x\"\")\"|\"a,b\"|\\x1b[31m\\\\|\" lead\"");
	buf_free(&b);
	ck_assert(csv_formula_like("-1") && csv_formula_like("@x") && !csv_formula_like("x=1"));
}
END_TEST

TEST(csv_gradebook_rows)
{
	int pa[2] = { 3, 0 }, pb[2] = { -1, -1 }, pc[2] = { -1, -1 };
	int ca[2] = { CAUSE_PASSED, CAUSE_SIGNAL };
	struct gb_student st[3] = {
		{ .name = "alice", .has_submission = 1, .have_scores = 1, .score = 3, .max = 5, .pts = pa,
		  .cause = ca, .warnings = 2, .status = "graded" },
		{ .name = "bob", .has_submission = 1, .pts = pb, .status = "grader error: grade killed by SIGKILL" },
		{ .name = "carol", .pts = pc, .status = "no sample-qemu.c in the folder" },
	};
	struct buf b = {0};
	csv_gradebook(&b, scs, 2, st, 3);
	ck_assert_str_eq(buf_str(&b), "student,score,max,hello,wrong_port,warnings,causes,status\n"
				      "alice,3,5,3,0,2,wrong_port:signal,graded\n"
				      "bob,,5,,,,,grader error: grade killed by SIGKILL\n"
				      "carol,0,5,,,,,no sample-qemu.c in the folder\n");
	buf_free(&b);
}
END_TEST

/* cli_parse on a NULL-terminated list of words. */
static int parse(struct cli *o, const char **words)
{
	int argc = 0;
	while (words[argc])
		argc++;
	return cli_parse(argc, (char **)words, o);
}

TEST(cli_modes_and_defaults)
{
	struct cli o;
	const char *one[] = { "grade", "--lab", "toy", "--build", "/b", "a.c", NULL };
	ck_assert_int_eq(parse(&o, one), 0);
	ck_assert_int_eq(o.mode, MODE_GRADE);
	ck_assert_str_eq(o.lab, "toy");
	ck_assert_str_eq(o.build, "/b");
	ck_assert_str_eq(o.submission, "a.c");
	ck_assert_str_eq(o.format, "gradescope");
	const char *cl[] = { "grade", "--check-lab", "--jobs", "3", NULL };
	ck_assert_int_eq(parse(&o, cl), 0);
	ck_assert_int_eq(o.mode, MODE_CHECKLAB);
	ck_assert(o.all_backends);
	ck_assert_int_eq(o.seed, CLI_CHECKLAB_SEED);
	ck_assert_int_eq(o.jobs, 3);
	ck_assert_str_eq(o.lab, "cpu_lab");
	const char *batch[] = { "grade", "--batch", "class", "--backend", "emu", NULL };
	ck_assert_int_eq(parse(&o, batch), 0);
	ck_assert_int_eq(o.mode, MODE_BATCH);
	ck_assert_str_eq(o.batch_dir, "class");
	ck_assert_str_eq(o.backend_word, "emu");
	ck_assert_str_eq(o.csv, "grades.csv");
	const char *info[] = { "grade", "--lab-info", "--lab", "toy", NULL };
	ck_assert_int_eq(parse(&o, info), 0);
	ck_assert_int_eq(o.mode, MODE_LAB_INFO);
	/* after "--", words are names, not modes */
	const char *dash[] = { "grade", "--", "--batch", NULL };
	ck_assert_int_eq(parse(&o, dash), 0);
	ck_assert_int_eq(o.mode, MODE_GRADE);
	ck_assert_str_eq(o.submission, "--batch");
}
END_TEST

TEST(cli_refuses_per_mode)
{
	struct cli o;
	const char *json_in_batch[] = { "grade", "--batch", "d", "--json", "x", NULL };
	ck_assert_int_eq(parse(&o, json_in_batch), EXIT_SETUP);
	const char *all_in_grade[] = { "grade", "--backend", "all", "a.c", NULL };
	ck_assert_int_eq(parse(&o, all_in_grade), EXIT_SETUP);
	const char *jobs_in_grade[] = { "grade", "--jobs", "2", "a.c", NULL };
	ck_assert_int_eq(parse(&o, jobs_in_grade), EXIT_SETUP);
	const char *too_many_jobs[] = { "grade", "--check-lab", "--jobs", "65", NULL };
	ck_assert_int_eq(parse(&o, too_many_jobs), EXIT_SETUP);
	const char *bad_lab[] = { "grade", "--lab", "../x", "a.c", NULL };
	ck_assert_int_eq(parse(&o, bad_lab), EXIT_SETUP);
	const char *no_sub[] = { "grade", NULL };
	ck_assert_int_eq(parse(&o, no_sub), EXIT_SETUP);
}
END_TEST
