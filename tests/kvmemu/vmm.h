/* vmm.h - a tiny test VMM for kvmemu's unit tests, in the style of the Linux
 * kernel's KVM selftests (tools/testing/selftests/kvm).
 *
 * One VM, one vCPU, up to VMM_MAX_SLOTS anonymous memory slots. Guests are
 * flat nasm images (bits 16) built next to the test binary. Every helper that
 * checks something fails the current Check test with a message that says what
 * was wanted, what was got, and where: test, file:line and the guest's RIP.
 */
#ifndef VIRTLAB_TESTS_VMM_H
#define VIRTLAB_TESTS_VMM_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#define VMM_MAX_SLOTS 8

struct vmm_slot {
	uint64_t gpa, size;
	uint8_t *hva;           /* NULL when the slot is free/deleted */
};

struct vmm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	struct vmm_slot slot[VMM_MAX_SLOTS];
	const char *test;       /* name shown in failure messages */
};

/* Set in helper processes: failures print to stderr and exit(1) instead of
 * failing a Check test. */
extern int vmm_standalone;

/* Which backend the suite runs on: set by tests.mk (VIRTLAB_BACKEND=emu|kvm). */
int vmm_backend_is_emu(void);
/* 1 when the backend is real KVM and it is kvm_pvm (a KVM without hardware
 * virtualization that runs real-mode guests entirely in its instruction
 * emulator): where it departs from VMX/SVM KVM, tests expect its behaviour on
 * it and upstream's elsewhere (see FACTS.md). */
int vmm_kvm_is_pvm(void);
/* RIP user space sees at a non-string OUT exit: at the OUT on VMX/SVM KVM (and
 * so on kvmemu), past it on kvm_pvm. */
#define OUT_EXIT_RIP(at, len) (vmm_kvm_is_pvm() ? (at) + (len) : (at))
/* 1 when /dev/kvm opens and KVM_GET_API_VERSION is 12. */
int vmm_kvm_usable(void);
/* Directory of the test binary (guest images and helpers live there). */
const char *vmm_bindir(void);

/* Open /dev/kvm, create the VM, vCPU 0 and map kvm_run. No memory. */
void vmm_open(struct vmm *v, const char *test, const char *file, int line);
/* Same, with KVM_CREATE_IRQCHIP before the vCPU (tests of the in-kernel irqchip). */
void vmm_open_irqchip(struct vmm *v, const char *test, const char *file, int line);
/* KVM_CREATE_VCPU 0 and its kvm_run mapping (vmm_open's second half). */
void vmm_add_vcpu(struct vmm *v, const char *file, int line);
/* Add (or, with size 0, delete) memory slot `slot` at guest-physical gpa. */
uint8_t *vmm_slot(struct vmm *v, int slot, uint64_t gpa, uint64_t size,
		  const char *file, int line);
/* Load build/tests/kvmemu/<name>.bin at gpa (must lie inside a slot). */
void vmm_load(struct vmm *v, const char *name, uint64_t gpa, const char *file, int line);
/* Host pointer for guest-physical gpa (inside a slot), NULL otherwise. */
uint8_t *vmm_hva(struct vmm *v, uint64_t gpa);
/* Real mode: CS/DS/ES/SS = 0 (selector and base), RIP=rip, RSP=0xfff0, RFLAGS=2,
 * every other GPR 0. */
void vmm_real_mode(struct vmm *v, uint64_t rip, const char *file, int line);
void vmm_close(struct vmm *v);

/* KVM_RUN; fails the test unless it returns 0. */
void vmm_run(struct vmm *v, const char *file, int line);
/* KVM_RUN; returns its raw result, errno preserved. */
int vmm_run_raw(struct vmm *v);

void vmm_get_regs(struct vmm *v, struct kvm_regs *r, const char *file, int line);
void vmm_set_regs(struct vmm *v, const struct kvm_regs *r, const char *file, int line);
void vmm_get_sregs(struct vmm *v, struct kvm_sregs *s, const char *file, int line);
void vmm_set_sregs(struct vmm *v, const struct kvm_sregs *s, const char *file, int line);
uint64_t vmm_rip(struct vmm *v);

/* Names, for messages. */
const char *vmm_exit_name(uint32_t reason);

/* Assertions. All take the caller's file:line (use the macros below). */
void vmm_fail(struct vmm *v, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), noreturn));
void vmm_want_u64(struct vmm *v, const char *what, uint64_t want, uint64_t got,
		  const char *file, int line);
void vmm_want_exit(struct vmm *v, uint32_t want, const char *file, int line);
void vmm_want_io(struct vmm *v, int dir, int size, int port, uint32_t count,
		 const char *file, int line);
void vmm_want_bytes(struct vmm *v, const char *what, const void *want, const void *got,
		    size_t n, const char *file, int line);

/* The pointer to the PIO data of the current exit. */
static inline uint8_t *vmm_io_data(struct vmm *v)
{
	return (uint8_t *)v->run + v->run->io.data_offset;
}

#define TEST_NAME() (vmm_test_name(__func__))
const char *vmm_test_name(const char *func);

#define VM_OPEN(v)               vmm_open((v), TEST_NAME(), __FILE__, __LINE__)
#define VM_OPEN_IRQCHIP(v)       vmm_open_irqchip((v), TEST_NAME(), __FILE__, __LINE__)
#define VM_SLOT(v, s, gpa, size) vmm_slot((v), (s), (gpa), (size), __FILE__, __LINE__)
#define VM_LOAD(v, name, gpa)    vmm_load((v), (name), (gpa), __FILE__, __LINE__)
#define VM_REAL_MODE(v, rip)     vmm_real_mode((v), (rip), __FILE__, __LINE__)
#define VM_RUN(v)                vmm_run((v), __FILE__, __LINE__)
#define VM_GET_REGS(v, r)        vmm_get_regs((v), (r), __FILE__, __LINE__)
#define VM_SET_REGS(v, r)        vmm_set_regs((v), (r), __FILE__, __LINE__)
#define VM_GET_SREGS(v, s)       vmm_get_sregs((v), (s), __FILE__, __LINE__)
#define VM_SET_SREGS(v, s)       vmm_set_sregs((v), (s), __FILE__, __LINE__)
#define WANT_EQ(v, what, want, got) \
	vmm_want_u64((v), (what), (uint64_t)(want), (uint64_t)(got), __FILE__, __LINE__)
#define WANT_EXIT(v, reason)     vmm_want_exit((v), (reason), __FILE__, __LINE__)
#define WANT_IO(v, dir, size, port, count) \
	vmm_want_io((v), (dir), (size), (port), (count), __FILE__, __LINE__)
#define WANT_BYTES(v, what, want, got, n) \
	vmm_want_bytes((v), (what), (want), (got), (n), __FILE__, __LINE__)
#define FAIL(v, ...)             vmm_fail((v), __FILE__, __LINE__, __VA_ARGS__)

/* The standard layout of the lab (HACKING.md): one 64 KiB slot at 0x1000,
 * image `name` loaded at 0x1000, real mode, IP=0x1000, SP=0xfff0. */
#define VM_STANDARD(v, name) do { \
		VM_OPEN(v); \
		VM_SLOT(v, 0, 0x1000, 0x10000); \
		VM_LOAD(v, name, 0x1000); \
		VM_REAL_MODE(v, 0x1000); \
	} while (0)
/* Same, but the slot covers 0..64 KiB (IVT and BDA mapped). */
#define VM_LOW64K(v, name) do { \
		VM_OPEN(v); \
		VM_SLOT(v, 0, 0, 0x10000); \
		VM_LOAD(v, name, 0x1000); \
		VM_REAL_MODE(v, 0x1000); \
	} while (0)

#endif
