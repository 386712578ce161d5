/*
 * interpose.c - the libc entry points a KVM program reaches us through.
 *
 * open*("/dev/kvm") returns a memfd standing in for the device; KVM_CREATE_VM
 * and KVM_CREATE_VCPU hand out more memfds. A table maps each such fd to its
 * object; ioctl() on those fds is answered by vm.c, every other fd goes to the
 * real libc. Real fds mean the program's own close/dup/poll/mmap keep working
 * (the vCPU memfd holds struct kvm_run, so mmap needs no interposition).
 */
#include "kvmemu.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- diagnostics and knobs ---- */

static bool quiet;
int kvmemu_knob_pio_offset = KVMEMU_PIO_OFFSET;
bool kvmemu_knob_string_batch;
uint32_t kvmemu_knob_tcg_buffer = KVMEMU_TCG_BUFFER;

void kvmemu_diag(const char *fmt, ...)
{
	if (quiet)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof buf - 2)
		n = sizeof buf - 2;
	buf[n++] = '\n';
	/* One write(2): lines of concurrent processes don't interleave. */
	if (write(2, "kvmemu: ", 8) < 0 || write(2, buf, n) < 0)
		return;
}

/* The environment is read once, when the library is loaded. */
__attribute__((constructor)) static void read_knobs(void)
{
	const char *q = getenv("KVMEMU_QUIET");
	quiet = q && *q && strcmp(q, "0") != 0;
	const char *b = getenv("KVMEMU_STRING_BATCH");
	kvmemu_knob_string_batch = b && strcmp(b, "1") == 0;
	const char *o = getenv("KVMEMU_PIO_OFFSET");
	if (o && *o) {
		char *end;
		long n = strtol(o, &end, 0);
		/* The data of one batch (up to 1024 bytes) must fit in the mapping. */
		if (*end || n < (long)sizeof(struct kvm_run) || n % 8 ||
		    n > KVMEMU_MMAP_SIZE - 1024) {
			kvmemu_diag("KVMEMU_PIO_OFFSET=%s rejected: want a multiple of 8 in "
				    "[%zu, %d]; using 4096", o, (sizeof(struct kvm_run) + 7) & ~7ul,
				    KVMEMU_MMAP_SIZE - 1024);
		} else {
			kvmemu_knob_pio_offset = (int)n;
		}
	}
	/* A program that translates much code (a Linux boot) needs a larger
	 * buffer: Unicorn's flush of a full one inside a run crashed it
	 * (README, Limits). */
	const char *t = getenv("KVMEMU_TCG_MB");
	if (t && *t) {
		char *end;
		long n = strtol(t, &end, 10);
		if (*end || n < 8 || n > 2048)
			kvmemu_diag("KVMEMU_TCG_MB=%s rejected: want 8 to 2048; using %u", t,
				    KVMEMU_TCG_BUFFER >> 20);
		else
			kvmemu_knob_tcg_buffer = (uint32_t)n << 20;
	}
}

/* ---- the real libc ---- */

#define REAL(name) real_##name
#define DECLARE_REAL(ret, name, ...) \
	static ret (*real_##name)(__VA_ARGS__); \
	static ret (*get_##name(void))(__VA_ARGS__) { \
		if (!real_##name) real_##name = dlsym(RTLD_NEXT, #name); \
		return real_##name; }

DECLARE_REAL(int, open, const char *, int, ...)
DECLARE_REAL(int, openat, int, const char *, int, ...)
DECLARE_REAL(int, open64, const char *, int, ...)
DECLARE_REAL(int, openat64, int, const char *, int, ...)
DECLARE_REAL(int, __open_2, const char *, int)
DECLARE_REAL(int, __open64_2, const char *, int)
DECLARE_REAL(int, __openat_2, int, const char *, int)
DECLARE_REAL(int, __openat64_2, int, const char *, int)
DECLARE_REAL(int, ioctl, int, unsigned long, ...)
DECLARE_REAL(int, close, int)
DECLARE_REAL(int, dup, int)
DECLARE_REAL(int, dup2, int, int)
DECLARE_REAL(int, dup3, int, int, int)
DECLARE_REAL(int, fcntl, int, int, ...)
DECLARE_REAL(int, fcntl64, int, int, ...)
DECLARE_REAL(int, sigaction, int, const struct sigaction *, struct sigaction *)

/* ---- the fd table ---- */

static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static struct obj **fds;
static int nfds;             /* size of fds[] */
static int nlive;            /* KVM fds open: 0 means every call passes straight through */

static void fd_set_obj(int fd, struct obj *o)
{
	if (fd >= nfds) {
		int n = nfds ? nfds : 64;
		while (n <= fd)
			n *= 2;
		struct obj **t = realloc(fds, n * sizeof *t);
		if (!t)
			abort();            /* out of memory for a pointer table */
		memset(t + nfds, 0, (n - nfds) * sizeof *t);
		fds = t;
		nfds = n;
	}
	fds[fd] = o;
	nlive++;
}

/* Takes a reference on the object the fd refers to, or NULL. */
static struct obj *fd_get(int fd)
{
	struct obj *o = NULL;
	if (__atomic_load_n(&nlive, __ATOMIC_RELAXED) == 0 || fd < 0)
		return NULL;
	pthread_mutex_lock(&fd_lock);
	if (fd < nfds && fds[fd]) {
		o = fds[fd];
		obj_get(o);
	}
	pthread_mutex_unlock(&fd_lock);
	return o;
}

/* Forgets fd (after the real close or dup2 over it). */
static void fd_forget(int fd)
{
	struct obj *o = NULL;
	if (__atomic_load_n(&nlive, __ATOMIC_RELAXED) == 0 || fd < 0)
		return;
	pthread_mutex_lock(&fd_lock);
	if (fd < nfds && fds[fd]) {
		o = fds[fd];
		fds[fd] = NULL;
		nlive--;
	}
	pthread_mutex_unlock(&fd_lock);
	if (o)
		obj_put(o);
}

/* newfd now refers to what oldfd does (dup family). */
static void fd_dup(int oldfd, int newfd)
{
	if (newfd < 0)
		return;
	struct obj *o = fd_get(oldfd);
	if (!o)
		return;
	pthread_mutex_lock(&fd_lock);
	fd_set_obj(newfd, o);       /* the reference fd_get took is the new fd's */
	pthread_mutex_unlock(&fd_lock);
}

int fd_new(struct obj *o, const char *name, size_t size, int flags)
{
	int fd = memfd_create(name, (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0)
		return -errno;
	if (size && ftruncate(fd, size) < 0) {
		int e = errno;
		get_close()(fd);
		return -e;
	}
	obj_get(o);
	pthread_mutex_lock(&fd_lock);
	fd_set_obj(fd, o);
	pthread_mutex_unlock(&fd_lock);
	return fd;
}

/* ---- signals ----
 * A signal handler that runs while the guest runs must end KVM_RUN with
 * EINTR, as on KVM (which returns to user space to deliver it). Handlers are
 * wrapped once KVM is in use; the wrapper raises a flag the engine polls at
 * every translated block. */

__thread volatile int kvmemu_signalled __attribute__((tls_model("initial-exec")));
static bool wrapping;
static struct sigaction user_act[NSIG];

static void trampoline(int sig, siginfo_t *si, void *ctx)
{
	kvmemu_signalled = 1;
	struct sigaction *a = &user_act[sig];
	if (a->sa_flags & SA_SIGINFO)
		a->sa_sigaction(sig, si, ctx);
	else if (a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN)
		a->sa_handler(sig);
	if (a->sa_flags & SA_RESETHAND)
		a->sa_handler = SIG_DFL;
}

static bool is_handler(const struct sigaction *a)
{
	return (a->sa_flags & SA_SIGINFO) ||
	       (a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN);
}

static int wrap_install(int sig, const struct sigaction *act)
{
	user_act[sig] = *act;
	struct sigaction w = *act;
	w.sa_flags |= SA_SIGINFO;
	w.sa_sigaction = trampoline;
	return get_sigaction()(sig, &w, NULL);
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (!wrapping || sig <= 0 || sig >= NSIG)
		return get_sigaction()(sig, act, old);
	struct sigaction prev;
	int r = get_sigaction()(sig, NULL, &prev);
	if (r < 0)
		return r;
	if (prev.sa_sigaction == trampoline)
		prev = user_act[sig];
	if (act) {
		if (is_handler(act))
			r = wrap_install(sig, act);
		else
			r = get_sigaction()(sig, act, NULL);
		if (r < 0)
			return r;
	}
	if (old)
		*old = prev;
	return 0;
}

/* glibc's signal() reaches sigaction internally, past us: BSD semantics. */
sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction a = { .sa_handler = handler, .sa_flags = SA_RESTART }, old;
	sigemptyset(&a.sa_mask);
	sigaddset(&a.sa_mask, sig);
	if (sigaction(sig, &a, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

/* Handlers installed before KVM was first used get wrapped now. */
static void wrap_existing(void)
{
	if (wrapping)
		return;
	wrapping = true;
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction a;
		if (sig == SIGKILL || sig == SIGSTOP || get_sigaction()(sig, NULL, &a) < 0)
			continue;
		if (is_handler(&a))
			wrap_install(sig, &a);
	}
}

/* ---- open ---- */

static struct obj sys_obj_template = { K_SYS, 1 };

static int open_kvm(int flags)
{
	if (ucapi_load() < 0) {
		errno = ENOENT;
		return -1;
	}
	wrap_existing();
	struct obj *o = malloc(sizeof *o);
	if (!o) {
		errno = ENOMEM;
		return -1;
	}
	*o = sys_obj_template;
	int fd = fd_new(o, "kvmemu:/dev/kvm", 0, flags);
	obj_put(o);                 /* the fd holds the only reference */
	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	return fd;
}

static bool is_kvm(int dirfd, const char *path)
{
	(void)dirfd;                /* only the absolute path is recognized */
	return path && strcmp(path, "/dev/kvm") == 0;
}

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = open_mode(flags, ap);
	va_end(ap);
	return is_kvm(AT_FDCWD, path) ? open_kvm(flags) : get_open()(path, flags, m);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = open_mode(flags, ap);
	va_end(ap);
	return is_kvm(AT_FDCWD, path) ? open_kvm(flags) : get_open64()(path, flags, m);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = open_mode(flags, ap);
	va_end(ap);
	return is_kvm(dirfd, path) ? open_kvm(flags) : get_openat()(dirfd, path, flags, m);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = open_mode(flags, ap);
	va_end(ap);
	return is_kvm(dirfd, path) ? open_kvm(flags) : get_openat64()(dirfd, path, flags, m);
}

/* _FORTIFY_SOURCE builds call these instead of open/openat. */
int __open_2(const char *path, int flags)
{
	return is_kvm(AT_FDCWD, path) ? open_kvm(flags) : get___open_2()(path, flags);
}

int __open64_2(const char *path, int flags)
{
	return is_kvm(AT_FDCWD, path) ? open_kvm(flags) : get___open64_2()(path, flags);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	return is_kvm(dirfd, path) ? open_kvm(flags) : get___openat_2()(dirfd, path, flags);
}

int __openat64_2(int dirfd, const char *path, int flags)
{
	return is_kvm(dirfd, path) ? open_kvm(flags) : get___openat64_2()(dirfd, path, flags);
}

/* ---- ioctl, close, dup ---- */

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	unsigned long arg = va_arg(ap, unsigned long);
	va_end(ap);
	struct obj *o = fd_get(fd);
	if (!o)
		return get_ioctl()(fd, req, arg);
	/* The kernel's request is an `unsigned int cmd` (fs/ioctl.c): a
	 * sign-extended one is the same request. */
	req = (unsigned int)req;
	int r;
	switch (o->kind) {
	case K_SYS:  r = sys_ioctl(o, req, arg); break;
	case K_VM:   r = vm_ioctl((struct vm *)o, req, arg); break;
	default:     r = vcpu_ioctl((struct vcpu *)o, req, arg); break;
	}
	obj_put(o);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

int close(int fd)
{
	int r = get_close()(fd);
	int e = errno;
	fd_forget(fd);
	errno = e;
	return r;
}

int dup(int fd)
{
	int n = get_dup()(fd);
	fd_dup(fd, n);
	return n;
}

int dup2(int fd, int newfd)
{
	int n = get_dup2()(fd, newfd);
	if (n >= 0 && n != fd) {
		fd_forget(n);
		fd_dup(fd, n);
	}
	return n;
}

int dup3(int fd, int newfd, int flags)
{
	int n = get_dup3()(fd, newfd, flags);
	if (n >= 0) {
		fd_forget(n);
		fd_dup(fd, n);
	}
	return n;
}

static int fcntl_common(int (*real)(int, int, ...), int fd, int cmd, unsigned long arg)
{
	int r = real(fd, cmd, arg);
	if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		fd_dup(fd, r);
	return r;
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	unsigned long arg = va_arg(ap, unsigned long);
	va_end(ap);
	return fcntl_common(get_fcntl(), fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	unsigned long arg = va_arg(ap, unsigned long);
	va_end(ap);
	int (*real)(int, int, ...) = get_fcntl64();
	return fcntl_common(real ? real : get_fcntl(), fd, cmd, arg);
}
