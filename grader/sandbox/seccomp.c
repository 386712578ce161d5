/*
 * seccomp.c — the box's seccomp filter (see seccomp.h).
 *
 * Layout of the program (x86_64 only; elsewhere there is no filter):
 *   arch != x86_64 -> kill; x32 syscall numbers -> EPERM;
 *   each denied syscall (IPC, setsid/setpgid among them) -> EPERM (clone3 -> ENOSYS: libc falls back to clone,
 *   whose flags we can see); clone with a namespace flag -> EPERM;
 *   kill/tkill/tgkill to -1, to another group, or (fallback) to an older pid -> EPERM;
 *   everything else allowed.
 */
#include "seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NS_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | \
		  CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | 0x00000080 /* NEWTIME */)

#if defined(__x86_64__)
/*
 * Never needed by a VMM, cc or ld; each is a way out of the box or into the
 * kernel's less-travelled code: other processes (debugging, signals by queue
 * or pidfd, their memory), namespaces and mounts, keyrings, bpf, perf,
 * io_uring (it can open sockets and files behind seccomp's back), modules,
 * kexec, file handles, and sockets of every family (socketpair stays: it
 * reaches nothing).
 */
static const long denied[] = {
	SYS_ptrace, SYS_process_vm_readv, SYS_process_vm_writev, SYS_kcmp,
	SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo,
	SYS_mount, SYS_umount2, SYS_pivot_root, SYS_chroot, SYS_unshare, SYS_setns,
	SYS_keyctl, SYS_add_key, SYS_request_key, SYS_bpf, SYS_perf_event_open,
	SYS_userfaultfd, SYS_init_module, SYS_finit_module, SYS_delete_module,
	SYS_kexec_load, SYS_kexec_file_load, SYS_open_by_handle_at, SYS_name_to_handle_at,
	SYS_acct, SYS_swapon, SYS_swapoff, SYS_reboot, SYS_quotactl, SYS_fanotify_init,
	SYS_socket,
	/* SysV and POSIX IPC: a second wall behind the IPC namespace (a box could
	 * leave its outputs in a segment for another to replay; a detached one
	 * outlives the box and RLIMIT_AS never counts it) */
	SYS_shmget, SYS_shmat, SYS_shmctl, SYS_shmdt, SYS_msgget, SYS_msgsnd, SYS_msgrcv, SYS_msgctl,
	SYS_semget, SYS_semop, SYS_semctl, SYS_semtimedop, SYS_mq_open, SYS_mq_unlink,
	SYS_mq_timedsend, SYS_mq_timedreceive, SYS_mq_notify, SYS_mq_getsetattr,
	/* new sessions and process groups: each session is an autogroup of its own
	 * to the scheduler, so sixty of them buy a box sixty shares of the CPU;
	 * the box is one session (core.c's setsid, before the filter) */
	SYS_setsid, SYS_setpgid,
	/* newer than some libc headers: raw numbers of the x86_64 table */
	424 /* pidfd_send_signal */, 425 /* io_uring_setup */, 426 /* io_uring_enter */,
	427 /* io_uring_register */, 428 /* open_tree */, 429 /* move_mount */,
	430 /* fsopen */, 431 /* fsconfig */, 432 /* fsmount */, 433 /* fspick */,
	434 /* pidfd_open */, 438 /* pidfd_getfd */, 440 /* process_madvise */,
	442 /* mount_setattr */, 448 /* process_mrelease */,
};

#define NR_CLONE3 435

static size_t emit(struct sock_filter *f, size_t n, struct sock_filter ins)
{
	if (n < BOX_FILTER_MAX)
		f[n] = ins;
	return n + 1;
}

#define STMT(code, k) emit(f, n, (struct sock_filter)BPF_STMT((code), (k)))
#define JUMP(code, k, jt, jf) emit(f, n, (struct sock_filter)BPF_JUMP((code), (k), (jt), (jf)))
#define RET_ERRNO(e) STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (e))
#define LOAD(field) STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
/* low 32 bits of a 64-bit argument (little-endian): pids and clone flags fit */
#define LOAD_ARG0() STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]))

/* kill/tkill/tgkill: allow pid 0 (own group) and pids >= min; deny the
 * rest (-1, other groups, every older process: the grader, its parents).
 * With min 0 (bwrap) only -1 and other groups are denied. */
static size_t emit_signals(struct sock_filter *f, size_t n, pid_t min)
{
	n = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_kill, 2, 0);
	n = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_tkill, 1, 0);
	n = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_tgkill, 0, 6);    /* else past the block */
	n = LOAD_ARG0();
	n = JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 3, 0);             /* kill(0, sig) */
	n = JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x80000000u, 1, 0);   /* -pgid, -1 */
	n = JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)min, 1, 0); /* the box's */
	n = RET_ERRNO(EPERM);
	n = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	return n;
}

int box_filter_build(struct sock_filter *f, const struct box_filter_opts *o)
{
	size_t n = 0;
	n = LOAD(arch);
	n = JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	n = STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	n = LOAD(nr);
	n = JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);   /* x32 aliases the table */
	n = RET_ERRNO(EPERM);
	for (size_t i = 0; i < sizeof denied / sizeof *denied; i++) {
		n = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)denied[i], 0, 1);
		n = RET_ERRNO(EPERM);
	}
	n = JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_CLONE3, 0, 1);    /* flags in memory */
	n = RET_ERRNO(ENOSYS);
	n = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4);
	n = LOAD_ARG0();
	n = JUMP(BPF_JMP | BPF_JSET | BPF_K, NS_FLAGS, 0, 1);
	n = RET_ERRNO(EPERM);
	n = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	n = emit_signals(f, n, o->min_signal_pid);
	n = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	if (n > BOX_FILTER_MAX) {
		errno = E2BIG;
		return -1;
	}
	return (int)n;
}
#else
int box_filter_build(struct sock_filter *f, const struct box_filter_opts *o)
{
	(void)f;
	(void)o;
	errno = ENOSYS;
	return -1;
}
#endif

int box_filter_install(const struct box_filter_opts *o)
{
	struct sock_filter f[BOX_FILTER_MAX];
	int n = box_filter_build(f, o);
	if (n < 0)
		return -1;
	struct sock_fprog prog = { (unsigned short)n, f };
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

int box_filter_memfd(const struct box_filter_opts *o)
{
	struct sock_filter f[BOX_FILTER_MAX];
	int n = box_filter_build(f, o);
	if (n < 0)
		return -1;
	int fd = memfd_create("virtlab-seccomp", 0);
	if (fd < 0)
		return -1;
	size_t len = (size_t)n * sizeof *f;
	if (write(fd, f, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}
