/*
 * box_attack — what a hostile program inside the box tries, one attack per
 * command; test_sandbox.c copies it into the box as /box/attack.  Each try
 * prints "<name>: ok" when the kernel let it through, "<name>: denied
 * <errno name>" when not.  Signals use SIGCONT: harmless if it got through,
 * yet a real delivery (the return value says which).
 *
 *   attack signals PID          kill/tkill/tgkill/rt_sig*queueinfo/pidfd to PID
 *   attack ptrace PID           PTRACE_SEIZE, process_vm_readv
 *   attack unix PATH | abstract NAME | udp PORT | tcp PORT | netlink
 *   attack userns | kernel      namespaces; mount, keyctl, bpf, perf, io_uring...
 *   attack procs N SECS         fork N sleepers; prints "procs K" (K made)
 *   attack threads N SECS       N sleeping threads; prints "threads K"
 *   attack fill DIR MIB         1 MiB files in DIR; prints "wrote K MiB"
 *   attack deep DIR N           mkdir+chdir N levels in DIR; prints "depth K"
 *   attack ipc-store KEY        the replay attack's first half: leaves "answer" in a SysV
 *                               segment, queue and semaphore keyed KEY, a POSIX queue and
 *                               /dev/shm (each left behind, as a VMM storing outputs would)
 *   attack ipc-load KEY         the second half: finds what ipc-store left; prints
 *                               "<what>: ok" and "replayed: <text>" when it did
 *   attack session              setsid, setpgid: a session of its own (an autogroup)
 *   attack alloc K MIB          K processes (itself and K-1 children) each touch MIB MiB and
 *                               hold it a second; prints "allocated K x MIB MiB" when all did
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mqueue.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *what, long rc)
{
	if (rc >= 0)
		printf("%s: ok\n", what);
	else
		printf("%s: denied %s\n", what, strerrorname_np(errno));
	fflush(stdout);
}

static void signals(pid_t pid)
{
	siginfo_t si = { .si_signo = SIGCONT, .si_code = SI_QUEUE, .si_pid = getpid() };
	say("kill", kill(pid, SIGCONT));
	say("kill-group", kill(-pid, SIGCONT));
	say("kill-all", kill(-1, SIGCONT));
	say("tkill", syscall(SYS_tkill, pid, SIGCONT));
	say("tgkill", syscall(SYS_tgkill, pid, pid, SIGCONT));
	say("rt_sigqueueinfo", syscall(SYS_rt_sigqueueinfo, pid, SIGCONT, &si));
	say("rt_tgsigqueueinfo", syscall(SYS_rt_tgsigqueueinfo, pid, pid, SIGCONT, &si));
	long fd = syscall(434 /* pidfd_open */, pid, 0);
	say("pidfd_open", fd);
	/* a pidfd from elsewhere: /proc/PID opened as a directory is one too */
	char p[64];
	snprintf(p, sizeof p, "/proc/%d", (int)pid);
	if (fd < 0)
		fd = open(p, O_RDONLY | O_DIRECTORY);
	say("pidfd_send_signal", fd < 0 ? (errno = EBADF, -1) :
	    syscall(424 /* pidfd_send_signal */, fd, SIGCONT, NULL, 0));
}

static void trace(pid_t pid)
{
	char b;
	struct iovec local = { &b, 1 }, remote = { (void *)&b, 1 };
	say("ptrace", ptrace(PTRACE_SEIZE, pid, 0, 0));
	say("process_vm_readv", process_vm_readv(pid, &local, 1, &remote, 1, 0));
	say("process_vm_writev", process_vm_writev(pid, &local, 1, &remote, 1, 0));
}

static void unix_connect(const char *name, int abstract)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path + abstract, sizeof a.sun_path - 1, "%s", name);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + abstract + strlen(name));
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	say(abstract ? "abstract-socket" : "unix-socket", fd);
	if (fd >= 0)
		say(abstract ? "abstract-connect" : "unix-connect", connect(fd, (void *)&a, len));
}

static void inet(int port, int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, type, 0);
	say(type == SOCK_DGRAM ? "udp-socket" : "tcp-socket", fd);
	if (fd < 0)
		return;
	if (type == SOCK_DGRAM)
		say("udp-send", sendto(fd, "escaped", 7, 0, (void *)&a, sizeof a));
	else
		say("tcp-connect", connect(fd, (void *)&a, sizeof a));
}

static void userns(void)
{
	say("unshare-user", unshare(CLONE_NEWUSER));
	say("unshare-net", unshare(CLONE_NEWNET));
	long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	say("clone-newuser", pid);
	struct { unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack,
		 stack_size, tls; } args = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
	pid = syscall(435 /* clone3 */, &args, sizeof args);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	say("clone3-newuser", pid);
	say("setns", syscall(SYS_setns, open("/proc/self/ns/user", O_RDONLY), 0));
}

static void kernel(void)
{
	char params[120] = { 0 };
	say("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
	say("keyctl", syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* session */, 0));
	say("add_key", syscall(SYS_add_key, "user", "k", "v", 1, -3));
	say("bpf", syscall(SYS_bpf, 0, NULL, 0));
	say("perf_event_open", syscall(SYS_perf_event_open, params, 0, -1, -1, 0));
	say("io_uring_setup", syscall(425, 4, params));
	say("open_tree", syscall(428, AT_FDCWD, "/", 0));
	say("fsopen", syscall(430, "tmpfs", 0));
	say("init_module", syscall(SYS_init_module, params, sizeof params, ""));
	say("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	say("userfaultfd", syscall(SYS_userfaultfd, 0));
}

static void ipc_store(key_t key)
{
	int id = shmget(key, 4096, IPC_CREAT | 0666);
	say("shmget", id);
	char *p = id >= 0 ? shmat(id, NULL, 0) : (void *)-1;
	say("shmat", p == (void *)-1 ? -1 : 0);
	if (p != (void *)-1)
		strcpy(p, "answer");   /* stays after the box: detached, never removed */
	int q = msgget(key, IPC_CREAT | 0666);
	say("msgget", q);
	struct { long type; char text[8]; } m = { 1, "answer" };
	if (q >= 0)
		say("msgsnd", msgsnd(q, &m, sizeof m.text, IPC_NOWAIT));
	say("semget", semget(key, 1, IPC_CREAT | 0666));
	char name[64];
	snprintf(name, sizeof name, "/vl%d", (int)key);
	mqd_t mq = mq_open(name, O_CREAT | O_WRONLY, 0666, NULL);
	say("mq_open", mq);
	if (mq != (mqd_t)-1)
		mq_send(mq, "answer", 6, 0);
	snprintf(name, sizeof name, "/dev/shm/vl%d", (int)key);
	int fd = open(name, O_CREAT | O_WRONLY, 0666);
	say("devshm", fd);
	if (fd >= 0 && write(fd, "answer", 6) != 6)
		close(fd);
}

/* Prints "replayed: answer" for each place ipc_store's text was found. */
static void ipc_load(key_t key)
{
	int id = shmget(key, 0, 0);
	say("shmget-existing", id);
	char *p = id >= 0 ? shmat(id, NULL, SHM_RDONLY) : (void *)-1;
	if (p != (void *)-1)
		printf("replayed: %.8s (shm)\n", p);
	int q = msgget(key, 0);
	say("msgget-existing", q);
	struct { long type; char text[8]; } m = { 0, "" };
	if (q >= 0 && msgrcv(q, &m, sizeof m.text, 0, IPC_NOWAIT) > 0)
		printf("replayed: %.8s (msg)\n", m.text);
	say("semget-existing", semget(key, 0, 0));
	char name[64], text[16] = "";
	snprintf(name, sizeof name, "/vl%d", (int)key);
	mqd_t mq = mq_open(name, O_RDONLY | O_NONBLOCK);
	say("mq_open-existing", mq);
	if (mq != (mqd_t)-1 && mq_receive(mq, text, 8192, NULL) > 0)
		printf("replayed: %.8s (mq)\n", text);
	snprintf(name, sizeof name, "/dev/shm/vl%d", (int)key);
	int fd = open(name, O_RDONLY);
	say("devshm-existing", fd);
	if (fd >= 0 && read(fd, text, 6) == 6)
		printf("replayed: %.6s (/dev/shm)\n", text);
}

static void session(void)
{
	say("setpgid", setpgid(0, 0));
	say("setsid", setsid());
}

static void procs(int n, int secs)
{
	int made = 0;
	for (; made < n; made++) {
		pid_t p = fork();
		if (p < 0)
			break;
		if (p == 0) {
			sleep((unsigned)secs);
			_exit(0);
		}
	}
	printf("procs %d\n", made);
	fflush(stdout);
	while (wait(NULL) > 0)
		;
}

static void *idle(void *secs)
{
	sleep((unsigned)(long)secs);
	return NULL;
}

static void threads(int n, int secs)
{
	pthread_t t[1024];
	int made = 0;
	for (; made < n && made < 1024; made++)
		if (pthread_create(&t[made], NULL, idle, (void *)(long)secs) != 0)
			break;
	printf("threads %d\n", made);
	fflush(stdout);
	for (int i = 0; i < made; i++)
		pthread_join(t[i], NULL);
}

static void fill(const char *dir, int mib)
{
	static char block[1 << 20];
	memset(block, 'x', sizeof block);
	signal(SIGXFSZ, SIG_IGN);   /* see the write fail instead of dying */
	int k = 0;
	for (; k < mib; k++) {
		char p[4096];
		snprintf(p, sizeof p, "%s/fill%d", dir, k);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, block, sizeof block) != (ssize_t)sizeof block)
			break;
		close(fd);
	}
	printf("wrote %d MiB\n", k);
}

/* Touches mib MiB (every page: charged to the box's memory), 0 or -1. */
static int touch_mib(int mib)
{
	size_t n = (size_t)mib << 20;
	volatile char *p = malloc(n);   /* volatile: the stores are the point, never elided */
	if (!p)
		return -1;
	for (size_t i = 0; i < n; i += 4096)
		p[i] = 1;
	return 0;
}

static void alloc(int k, int mib)
{
	int ok = 1;
	for (int i = 1; i < k; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(touch_mib(mib) == 0 && sleep(1) == 0 ? 0 : 1);
		ok &= p > 0;
	}
	ok &= touch_mib(mib) == 0;
	int st;
	while (wait(&st) > 0)
		ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (ok)
		printf("allocated %d x %d MiB\n", k, mib);
}

static void deep(const char *dir, int n)
{
	int k = 0;
	if (chdir(dir) == 0)
		for (; k < n; k++)
			if (mkdir("d", 0700) != 0 || chdir("d") != 0)
				break;
	/* and a file at the bottom, a dir the cleanup can't list, a link out */
	close(open("f", O_WRONLY | O_CREAT, 0600));
	mkdir("locked", 0700);
	close(open("locked/f", O_WRONLY | O_CREAT, 0600));
	chmod("locked", 0);
	symlink("/", "root");
	printf("depth %d\n", k);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *cmd = argc > 1 ? argv[1] : "";
	long a = argc > 2 ? atol(argv[2]) : 0, b = argc > 3 ? atol(argv[3]) : 0;
	if (!strcmp(cmd, "signals")) signals((pid_t)a);
	else if (!strcmp(cmd, "ptrace")) trace((pid_t)a);
	else if (!strcmp(cmd, "unix")) unix_connect(argv[2], 0);
	else if (!strcmp(cmd, "abstract")) unix_connect(argv[2], 1);
	else if (!strcmp(cmd, "udp")) inet((int)a, SOCK_DGRAM);
	else if (!strcmp(cmd, "tcp")) inet((int)a, SOCK_STREAM);
	else if (!strcmp(cmd, "netlink")) say("netlink-socket", socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
	else if (!strcmp(cmd, "userns")) userns();
	else if (!strcmp(cmd, "kernel")) kernel();
	else if (!strcmp(cmd, "procs")) procs((int)a, (int)b);
	else if (!strcmp(cmd, "threads")) threads((int)a, (int)b);
	else if (!strcmp(cmd, "fill")) fill(argv[2], (int)b);
	else if (!strcmp(cmd, "deep")) deep(argv[2], (int)b);
	else if (!strcmp(cmd, "ipc-store")) ipc_store((key_t)a);
	else if (!strcmp(cmd, "ipc-load")) ipc_load((key_t)a);
	else if (!strcmp(cmd, "session")) session();
	else if (!strcmp(cmd, "alloc")) alloc((int)a, (int)b);
	else {
		fprintf(stderr, "attack: unknown command %s\n", cmd);
		return 2;
	}
	return 0;
}
