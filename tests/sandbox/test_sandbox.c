/*
 * Check unit tests of box_run().  Runs on whichever layer box_layer() picked;
 * VIRTLAB_SANDBOX=fallback forces the fallback.  Tests that only the
 * bubblewrap layer can pass (reads outside the box, host /tmp untouched) skip
 * on the fallback, saying so.
 */
#include "../../grader/sandbox.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tag[64];            /* unique per test process: finds strays and files */
static char workdir[256];       /* host dir holding inputs for this test process */

static int is_bwrap(void)
{
	return strcmp(box_layer(), "bubblewrap") == 0;
}

/* Runs `sh -c script` in a box with default limits and the given tweaks. */
static int run_sh(const char *script, struct box_limits *lim, const struct box_file *files,
		  size_t nfiles, int kvm, const char *outdir, struct box_result *res)
{
	char env_tag[96];
	snprintf(env_tag, sizeof env_tag, "TAG=%s", tag);
	char *argv[] = { "sh", "-c", (char *)script, "sh", tag, NULL };
	/* "/box" and "/out" in env values are rewritten by the fallback; script text isn't */
	char *env[] = { env_tag, "BOX=/box", "OUT=/out", NULL };
	struct box_req req = {
		.argv = argv, .files = files, .nfiles = nfiles, .env = env,
		.kvm = kvm, .outdir = outdir,
		.lim = lim ? *lim : box_default_limits(),
	};
	return box_run(&req, res);
}

static struct box_result sh_ok(const char *script)
{
	struct box_result res;
	ck_assert_int_eq(run_sh(script, NULL, NULL, 0, 0, NULL, &res), 0);
	return res;
}

/* Counts live processes whose cmdline mentions the tag. */
static int strays(void)
{
	int n = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		char path[300], buf[4096];
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (len <= 0)
			continue;
		for (ssize_t i = 0; i < len; i++)
			if (!buf[i])
				buf[i] = ' ';
		buf[len] = 0;
		if (strstr(buf, tag) && atoi(e->d_name) != getpid())
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

static int host_file_exists(const char *dir, const char *name)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

START_TEST(exit_codes)
{
	struct box_result r = sh_ok("echo hi; echo oops >&2; exit 3");
	ck_assert_int_eq(r.cause, BOX_EXITED);
	ck_assert_int_eq(r.code, 3);
	ck_assert_str_eq(r.out, "hi\n");
	ck_assert_str_eq(r.err, "oops\n");
	ck_assert_int_eq(r.err_truncated, 0);
	box_result_free(&r);
	r = sh_ok("true");
	ck_assert_int_eq(r.cause, BOX_EXITED);
	ck_assert_int_eq(r.code, 0);
	ck_assert_uint_eq(r.out_len, 0);
	box_result_free(&r);
}
END_TEST

START_TEST(signals)
{
	struct box_result r = sh_ok("kill -SEGV $$");
	ck_assert_int_eq(r.cause, BOX_SIGNALED);
	ck_assert_int_eq(r.code, SIGSEGV);
	box_result_free(&r);
}
END_TEST

START_TEST(timeout)
{
	struct box_limits lim = box_default_limits();
	lim.wall_s = 0.5;
	struct box_result r;
	ck_assert_int_eq(run_sh("echo before; sleep 1000; echo after", &lim, NULL, 0, 0, NULL, &r), 0);
	ck_assert_int_eq(r.cause, BOX_TIMEOUT);
	ck_assert_str_eq(r.out, "before\n");
	ck_assert(r.wall_s < 1.5);
	ck_assert_int_eq(strays(), 0);
	box_result_free(&r);
}
END_TEST

START_TEST(cpu_limit)
{
	struct box_limits lim = box_default_limits();
	lim.cpu_s = 1;
	lim.wall_s = 5;
	struct box_result r;
	ck_assert_int_eq(run_sh("while :; do :; done", &lim, NULL, 0, 0, NULL, &r), 0);
	ck_assert_int_eq(r.cause, BOX_SIGNALED);
	ck_assert(r.code == SIGXCPU || r.code == SIGKILL);
	box_result_free(&r);
}
END_TEST

START_TEST(stdout_cap)
{
	struct box_result r = sh_ok("yes > /dev/stdout");
	ck_assert_int_eq(r.cause, BOX_OUT_CAP);
	ck_assert_uint_eq(r.out_len, box_default_limits().out_cap);
	ck_assert_uint_eq(strlen(r.out), r.out_len);
	ck_assert(r.wall_s < 1.5);
	ck_assert_int_eq(strays(), 0);
	box_result_free(&r);
}
END_TEST

START_TEST(stderr_cap)
{
	struct box_result r = sh_ok("head -c 100000 /dev/zero | tr '\\0' x >&2; echo done");
	ck_assert_int_eq(r.cause, BOX_EXITED);
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "done\n");
	ck_assert_uint_eq(r.err_len, box_default_limits().err_cap);
	ck_assert_int_eq(r.err_truncated, 1);
	box_result_free(&r);
}
END_TEST

/* The classic escape: a double-forked, setsid'd child that ignores SIGHUP. */
START_TEST(setsid_leftover)
{
	struct box_result r = sh_ok(
		"setsid sh -c 'trap \"\" HUP; (sleep 1000 & echo $! > /dev/null); exec sleep 1000' "
		"\"$1\" >/dev/null 2>&1 & echo started");
	ck_assert_int_eq(r.cause, BOX_EXITED);
	ck_assert_str_eq(r.out, "started\n");
	ck_assert_int_eq(strays(), 0);
	box_result_free(&r);
	/* and the grader has no zombie children left */
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

START_TEST(fork_bomb)
{
	struct box_limits lim = box_default_limits();
	lim.wall_s = 1.0;
	struct box_result r;
	ck_assert_int_eq(run_sh("b() { b | b & }; b; sleep 5", &lim, NULL, 0, 0, NULL, &r), 0);
	ck_assert(r.wall_s < 3.0);
	ck_assert_int_eq(strays(), 0);
	box_result_free(&r);
	/* the grader can still fork */
	r = sh_ok("echo alive");
	ck_assert_str_eq(r.out, "alive\n");
	box_result_free(&r);
}
END_TEST

START_TEST(memory_hog)
{
	/* python would be nicer; awk is in every base image and grows a string */
	struct box_limits lim = box_default_limits();
	lim.as_bytes = (size_t)256 << 20;
	lim.wall_s = 10;
	lim.cpu_s = 10;
	struct box_result r;
	ck_assert_int_eq(run_sh("awk 'BEGIN { s = \"x\"; while (1) s = s s }'", &lim, NULL, 0, 0,
				NULL, &r), 0);
	ck_assert(r.cause == BOX_SIGNALED || (r.cause == BOX_EXITED && r.code != 0));
	box_result_free(&r);
	r = sh_ok("echo alive");
	ck_assert_str_eq(r.out, "alive\n");
	box_result_free(&r);
}
END_TEST

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

START_TEST(box_files_read_only)
{
	char src[512];
	snprintf(src, sizeof src, "%s/input.txt", workdir);
	write_file(src, "original\n", 0666);
	struct box_file f = { src, "input.txt" };
	struct box_result r;
	ck_assert_int_eq(run_sh("cat $BOX/input.txt; (echo evil > $BOX/input.txt); echo rc=$?;"
				"chmod 666 $BOX/input.txt; echo evil > $BOX/input.txt;"
				"rm -f $BOX/input.txt; echo new > $BOX/new; cat $BOX/input.txt",
				NULL, &f, 1, 0, NULL, &r), 0);
	ck_assert_ptr_nonnull(strstr(r.out, "original\nrc="));
	ck_assert_ptr_null(strstr(r.out, "rc=0"));
	ck_assert_ptr_null(strstr(r.out, "evil"));
	ck_assert_str_eq(slurp(src), "original\n");
	box_result_free(&r);
}
END_TEST

START_TEST(outdir_written)
{
	char out[512];
	snprintf(out, sizeof out, "%s/out", workdir);
	mkdir(out, 0755);
	struct box_result r;
	ck_assert_int_eq(run_sh("echo built > $OUT/vmm && chmod +x $OUT/vmm && ln -s /etc/passwd $OUT/link",
				NULL, NULL, 0, 0, out, &r), 0);
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(slurp(strcat(out, "/vmm")), "built\n");
	box_result_free(&r);
}
END_TEST

/* Writes to $HOME, /tmp, /var/tmp and the kit tree must not land on the host. */
START_TEST(writes_stay_inside)
{
	char kit[512];
	ck_assert_ptr_nonnull(getcwd(kit, sizeof kit));
	char script[2048];
	snprintf(script, sizeof script,
		 "for d in \"$HOME\" /tmp /var/tmp /root %s %s; do echo x > \"$d/$1.mark\"; done; true",
		 kit, workdir);
	struct box_result r = sh_ok(script);
	box_result_free(&r);
	char name[128];
	snprintf(name, sizeof name, "%s.mark", tag);
	ck_assert(!host_file_exists(kit, name));
	ck_assert(!host_file_exists(workdir, name));
	const char *home = getenv("HOME");
	if (home)
		ck_assert(!host_file_exists(home, name));
	if (!is_bwrap() && getuid() != 0) {
		/* the unprivileged fallback can't hide world-writable dirs, but landlock may */
		fprintf(stderr, "note: /tmp and /var/tmp writes not checked on %s\n", box_layer());
		return;
	}
	ck_assert(!host_file_exists("/tmp", name));
	ck_assert(!host_file_exists("/var/tmp", name));
}
END_TEST

START_TEST(reads_outside_fail)
{
	char secret[512];
	snprintf(secret, sizeof secret, "%s/secret.txt", workdir);
	write_file(secret, "TOPSECRET\n", 0644);
	char script[1024];
	snprintf(script, sizeof script, "cat %s; ls /work /root /home; cat /etc/passwd", secret);
	struct box_result r = sh_ok(script);
	ck_assert_ptr_null(strstr(r.out, "TOPSECRET"));
	if (is_bwrap())
		ck_assert_ptr_null(strstr(r.out, "root:"));
	box_result_free(&r);
}
END_TEST

START_TEST(kvm_only_when_asked)
{
	struct box_result r;
	ck_assert_int_eq(run_sh("test -c /dev/kvm && echo seen; test -c /dev/kvm && exec 3<>/dev/kvm && echo opened",
				NULL, NULL, 0, 0, NULL, &r), 0);
	if (is_bwrap())
		ck_assert_ptr_null(strstr(r.out, "seen"));
	ck_assert_ptr_null(strstr(r.out, "opened"));
	box_result_free(&r);
	struct stat kst;
	if (stat("/dev/kvm", &kst) != 0 || !S_ISCHR(kst.st_mode) ||
	    access("/dev/kvm", R_OK | W_OK) != 0) {
		fprintf(stderr, "note: /dev/kvm not usable here, skipping the positive half\n");
		return;
	}
	ck_assert_int_eq(run_sh("exec 3<>/dev/kvm && echo opened", NULL, NULL, 0, 1, NULL, &r), 0);
	ck_assert_str_eq(r.out, "opened\n");
	box_result_free(&r);
}
END_TEST

START_TEST(env_is_clean)
{
	setenv("VIRTLAB_SECRET_ENV", "leak", 1);
	struct box_result r = sh_ok("env");
	ck_assert_ptr_null(strstr(r.out, "VIRTLAB_SECRET_ENV"));
	ck_assert_ptr_nonnull(strstr(r.out, "TAG="));
	ck_assert_ptr_nonnull(strstr(r.out, "PATH="));
	box_result_free(&r);
}
END_TEST

START_TEST(missing_program_is_setup_fail)
{
	char *argv[] = { "/box/nonexistent", NULL };
	char *env[] = { NULL };
	struct box_req req = { .argv = argv, .env = env, .lim = box_default_limits() };
	struct box_result r;
	ck_assert_int_eq(box_run(&req, &r), -1);
	ck_assert_int_eq(r.cause, BOX_SETUP_FAIL);
	ck_assert(r.diag[0]);
	box_result_free(&r);
}
END_TEST

START_TEST(compile_in_box)
{
	char src[512], out[512];
	snprintf(src, sizeof src, "%s/hello.c", workdir);
	snprintf(out, sizeof out, "%s/cout", workdir);
	mkdir(out, 0755);
	write_file(src, "#include <stdio.h>\nint main(void){puts(\"hello\");return 0;}\n", 0644);
	struct box_file f = { src, "hello.c" };
	char *argv[] = { "cc", "-O2", "-o", "/out/hello", "/box/hello.c", NULL };
	char *env[] = { NULL };
	struct box_req req = { .argv = argv, .files = &f, .nfiles = 1, .env = env, .outdir = out,
			       .lim = box_default_limits() };
	req.lim.wall_s = 20;
	req.lim.cpu_s = 20;
	req.lim.fsize_bytes = 64 << 20;
	struct box_result r;
	ck_assert_int_eq(box_run(&req, &r), 0);
	ck_assert_msg(r.cause == BOX_EXITED && r.code == 0, "cc: %s", r.err);
	box_result_free(&r);
	char bin[600];
	snprintf(bin, sizeof bin, "%s/hello", out);
	struct box_file b = { bin, "hello" };
	char *argv2[] = { "/box/hello", NULL };
	struct box_req run = { .argv = argv2, .files = &b, .nfiles = 1, .env = env,
			       .lim = box_default_limits() };
	ck_assert_int_eq(box_run(&run, &r), 0);
	ck_assert_str_eq(r.out, "hello\n");
	box_result_free(&r);
}
END_TEST

static void setup(void)
{
	snprintf(tag, sizeof tag, "vlboxtest%d", (int)getpid());
	/* SANDBOX_TEST_DIR: a dir the (maybe unprivileged) test user can write */
	const char *base = getenv("SANDBOX_TEST_DIR");
	snprintf(workdir, sizeof workdir, "%s/work-%d", base ? base : "build/tests/sandbox",
		 (int)getpid());
	mkdir(workdir, 0755);
}

int main(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("box_run");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, exit_codes);
	tcase_add_test(tc, signals);
	tcase_add_test(tc, timeout);
	tcase_add_test(tc, cpu_limit);
	tcase_add_test(tc, stdout_cap);
	tcase_add_test(tc, stderr_cap);
	tcase_add_test(tc, setsid_leftover);
	tcase_add_test(tc, fork_bomb);
	tcase_add_test(tc, memory_hog);
	tcase_add_test(tc, box_files_read_only);
	tcase_add_test(tc, outdir_written);
	tcase_add_test(tc, writes_stay_inside);
	tcase_add_test(tc, reads_outside_fail);
	tcase_add_test(tc, kvm_only_when_asked);
	tcase_add_test(tc, env_is_clean);
	tcase_add_test(tc, missing_program_is_setup_fail);
	tcase_add_test(tc, compile_in_box);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	fprintf(stderr, "sandbox layer: %s (uid %d)\n", box_layer(), (int)getuid());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
