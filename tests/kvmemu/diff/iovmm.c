/* iovmm.c - the differential harness's I/O client: interrupts, the irqchips,
 * two vCPUs, and SeaBIOS, on whatever /dev/kvm it gets (real KVM, or kvmemu
 * under scripts/kvm-emu). Prints a canonical trace of what user space sees.
 *
 *   iovmm [NAME=]GUEST.bin ...      (NAME defaults to GUEST's base name)
 *
 * A guest is either
 *  - an io case (corpus-io/NAME.asm with io.inc): "IOVMMv1" at byte 8, its flags
 *    (io.inc's IO_*) at 16, its 32-bit entry at 20; loaded at 0x10000 in
 *    1 MiB of RAM, the BSP starting at the entry in flat 32-bit protected
 *    mode (selectors 8/16: the guest loads io.inc's GDT), an AP (IO_SMP) in
 *    KVM_MP_STATE_UNINITIALIZED until the BSP's INIT-SIPI-SIPI (vector 0x10:
 *    the image's first byte), each vCPU's KVM_RUN on its own thread;
 *  - else a BIOS image (SeaBIOS's bios.bin): mapped read-only below 4 GiB
 *    and copied to the top of the first MiB of 16 MiB of RAM, run from the
 *    reset vector with the in-kernel irqchip and PIT, the CMOS (memory size)
 *    at 0x70/0x71 and nothing else (no PCI, no fw_cfg).
 *
 * The trace:
 *   case NAME
 *   ioctl NAME RESULT              each setup ioctl
 *   cpu C                          then that vCPU's items, in its order:
 *   mp C.K STATE                   KVM_GET_MP_STATE before the first run and
 *                                  after each exit, when it changed
 *   exit C.K REASON field=value    the exit (K counts C's exits)
 *   state C.K reg=value ...        registers at the exit (all at the first,
 *                                  then what changed); not for a BIOS
 *   inject C.K VECTOR / nmi C.K / irq C.K GSI LEVEL STATUS   what user space did
 *   lapic C.K field=value ...      KVM_GET_LAPIC (TMCCT left out: it counts
 *                                  down in time, not in guest steps)
 *   irqchip C.K CHIP field=value / pit C.K ...   KVM_GET_IRQCHIP / KVM_GET_PIT2
 *   end C REASON
 *   debug TEXT / serial TEXT       a BIOS's port 0x402 and COM1 output, by line
 *   mem 0 0xGPA HASH                 each RAM page whose bytes differ from the load
 * A BIOS's exits are printed as runs: "exit C.K REASON ... xN" for N equal
 * exits in a row (polling loops repeat as often as time lets them).
 *
 * The guest's ports (io cases): out 0xe0 report (the state line is the
 * content); 0xe1 AL queue an interrupt for KVM_INTERRUPT (user-space irqchip:
 * injected at the first entry with ready_for_interrupt_injection and if_flag,
 * request_interrupt_window set until then); 0xe2 KVM_NMI; 0xe3/0xe4 AL
 * KVM_IRQ_LINE_STATUS level 1/0; 0xe5 KVM_GET_LAPIC; 0xea KVM_GET_IRQCHIP (the
 * PICs, the IOAPIC); 0xeb KVM_GET_PIT2 (count_load_time left out: a clock
 * reading; the status byte without bit 7, OUT, which a read-back latched at
 * a time); 0xef this vCPU is done.
 * An io case's CPUID.1:ECX has x2APIC and TSC-deadline set (QEMU sets the
 * latter when KVM has KVM_CAP_TSC_DEADLINE_TIMER).
 *
 * IO_FDS (corpus-io/m08) adds eventfds: KVM_SET_GSI_ROUTING with GSI 0-23 on
 * the IOAPIC's pins (0-15 on the PICs too, as the default table) and GSI 24
 * an MSI (0xfee00000, data 0x44); KVM_IRQFD efd 0 -> GSI 11, efd 1 -> GSI 24;
 * KVM_IOEVENTFD efd 2 PIO 0xd0/1, efd 3 PIO 0xd2/2 datamatch 0x1234, efd 4
 * MMIO 0xd0000000/4, efd 5 MMIO 0xd0000008/4 datamatch 0xcafe; then calls
 * KVM refuses (fds_refused: errnos in the trace). IO_RESAMPLE
 * (m09): efd 6 -> GSI 12 with KVM_IRQFD_FLAG_RESAMPLE, resamplefd efd 7.
 * Their ports: 0xe6 AL write 1 to efd AL (the vCPU ends if its irqfd
 * failed); 0xe7 AL read efd AL (its count, 0 when unsignalled; the read
 * resets it); 0xe8 AL KVM_SIGNAL_MSI with data AL;
 * 0xec AL KVM_SET_GSI_ROUTING again, GSI 24's MSI data now AL; 0xed AL
 * KVM_IRQFD_FLAG_DEASSIGN of irqfd AL (0 or 1, its GSI). The trace: "efdw C.K N
 * R", "efd C.K N COUNT", "msi C.K DATA R", "route C.K DATA R", "deassign C.K N R".
 *
 * The SET side, as a VMM restores a snapshot or a migrated machine (m13, m14):
 * 0xf0 AL save: KVM_GET_LAPIC of this vCPU (AL bit 0), KVM_GET_IRQCHIP of both
 * PICs (bit 1), of the IOAPIC (bit 2), KVM_GET_PIT2 (bit 3) into the VM's one
 * snapshot; 0xf1 AL restore: the KVM_SET_ of the same parts from it, as saved
 * (the LAPIC's TMCCT too, as a VMM passes it back). 0xee AL an edit: GET, one
 * change a VMM could make (edit()'s table), SET. The trace: "save C.K MASK
 * R", "restore C.K MASK R", "edit C.K N R" (R: 0, or -1000 - errno of the first
 * ioctl that failed; an edit that tries refused calls prints each one's).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#define CLIENT_NAME "iovmm"
#include "client.h"

#define MAX_EXITS   4000
#define BIOS_EXITS  5000
/* Wall-clock nets for a case that hangs, never reached by one that works: the
 * oracle runs two vCPUs on one TCG CPU, and m01 took over 20 s there at load
 * 10 (its trace cut by EINTR, a false difference). */
#define TIMEOUT_S   120
#define BIOS_S      300	/* the oracle's SeaBIOS: 448 exits, ~30 s under nested TCG */
#define LOAD_GPA    0x10000
#define IO_RAM      0x100000
#define BIOS_RAM    0x1000000

/* io.inc's header flags. */
#define IO_IRQCHIP  1
#define IO_SMP      2
#define IO_PIT      4
#define IO_FDS      8
#define IO_RESAMPLE 16
#define NEFD        8

struct cpu {
	struct vm *vm;
	int id, fd, nexit, done, mp, started;
	struct kvm_run *run;
	pthread_t th;
	FILE *out;
	char *buf;
	size_t len;
	int queued;		/* vector for KVM_INTERRUPT, or -1 */
	struct kvm_regs last;
	int have_last;
	/* a BIOS's run of equal exits */
	char prev[160];
	unsigned repeat;
	int prev_k;
};

struct vm {
	int kvm, fd, ncpu, bios, flags;
	size_t run_size;
	uint8_t *ram, *init;
	size_t ram_size;
	uint8_t *rom;
	size_t rom_size;
	struct cpu cpu[2];
	uint8_t cmos_index;
	char line[2][256];	/* debug, serial */
	size_t linelen[2];
	FILE *text;
	char *textbuf;
	size_t textlen;
	pthread_mutex_t lock;
	volatile int stop;
	int efd[NEFD];		/* IO_FDS: -1 when not open */
	struct {		/* ports 0xf0/0xf1: one saved machine */
		struct kvm_lapic_state lapic;
		struct kvm_irqchip chip[3];
		struct kvm_pit_state2 pit;
	} snap;
};

static const char *reason_name(uint32_t r)
{
	static const char *names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN", [KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO", [KVM_EXIT_HYPERCALL] = "HYPERCALL", [KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT", [KVM_EXIT_MMIO] = "MMIO", [KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN", [KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY", [KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR", [KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	};
	return r < sizeof names / sizeof names[0] && names[r] ? names[r] : "OTHER";
}

static const char *mp_name(int s)
{
	static const char *names[] = { "RUNNABLE", "UNINITIALIZED", "INIT_RECEIVED", "HALTED",
				       "SIPI_RECEIVED", "STOPPED", "CHECK_STOP", "OPERATING", "LOAD" };
	return s >= 0 && s < (int)(sizeof names / sizeof names[0]) ? names[s] : "?";
}

/* ---- the machine ---- */

static void *anon(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap %zu: %s", n, strerror(errno));
	return p;
}

static void slot(struct vm *v, uint32_t n, uint64_t gpa, void *hva, size_t size, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = n, .flags = flags, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};
	traced(v->fd, KVM_SET_USER_MEMORY_REGION, &r, "SET_USER_MEMORY_REGION");
}

static void cpuid(struct vm *v, int fd)
{
	struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[100]; } c = { .c.nent = 100 };
	if (ioctl(v->kvm, KVM_GET_SUPPORTED_CPUID, &c) < 0)
		die("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	/* 36 physical address bits on both sides, as QEMU's phys-bits sets
	 * them: SeaBIOS sizes its variable MTRR masks from it. */
	for (unsigned i = 0; i < c.c.nent; i++)
		if (c.e[i].function == 0x80000008)
			c.e[i].eax = (c.e[i].eax & ~0xffu) | 36;
	/* No KVM paravirtual leaves (0x40000000-0x400000ff, as QEMU's kvm=off):
	 * kvmemu has no kvmclock (README), and SeaBIOS would take its TSC
	 * frequency from it on KVM and from the PIT on kvmemu. */
	unsigned n = 0;
	for (unsigned i = 0; i < c.c.nent; i++)
		if (c.e[i].function < 0x40000000 || c.e[i].function > 0x4fffffff)
			c.e[n++] = c.e[i];
	c.c.nent = n;
	/* One family/model/stepping on both sides: INIT puts it in RDX. An io
	 * case gets x2APIC (21) and TSC-deadline (24) in ECX (m05, m06). */
	for (unsigned i = 0; i < c.c.nent; i++)
		if (c.e[i].function == 1) {
			c.e[i].eax = 0x60fb1;
			if (!v->bios)
				c.e[i].ecx |= 1u << 21 | 1u << 24;
		}
	traced(fd, KVM_SET_CPUID2, &c, "SET_CPUID2");
}

static void flat32(struct cpu *c)
{
	struct kvm_sregs s;
	if (ioctl(c->fd, KVM_GET_SREGS, &s) < 0)
		die("KVM_GET_SREGS: %s", strerror(errno));
	struct kvm_segment code = { .base = 0, .limit = 0xffffffff, .selector = 8, .type = 11,
				    .present = 1, .s = 1, .db = 1, .g = 1 };
	struct kvm_segment data = code;
	data.selector = 16;
	data.type = 3;
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.cr0 |= 1;
	traced(c->fd, KVM_SET_SREGS, &s, "SET_SREGS");
	struct kvm_regs r = { .rflags = 2, .rsp = 0x8000 };
	memcpy(&r.rip, c->vm->ram + LOAD_GPA + 20, 4);
	traced(c->fd, KVM_SET_REGS, &r, "SET_REGS");
}

static void vcpu_open(struct vm *v, int id)
{
	struct cpu *c = &v->cpu[id];
	c->vm = v;
	c->id = id;
	c->queued = -1;
	c->fd = ioctl(v->fd, KVM_CREATE_VCPU, id);
	if (c->fd < 0)
		die("KVM_CREATE_VCPU %d: %s", id, strerror(errno));
	c->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (c->run == MAP_FAILED)
		die("mmap kvm_run: %s", strerror(errno));
	c->out = open_memstream(&c->buf, &c->len);
	cpuid(v, c->fd);
}

static size_t load(const char *path, uint8_t **data)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	static uint8_t buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	*data = buf;
	return n;
}

static int efd_new(struct vm *v, int i)
{
	v->efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (v->efd[i] < 0)
		die("eventfd: %s", strerror(errno));
	return v->efd[i];
}

static void ioeventfd(struct vm *v, int i, uint64_t addr, uint32_t len, int pio, int match, uint64_t data)
{
	struct kvm_ioeventfd a = {
		.datamatch = data, .addr = addr, .len = len, .fd = efd_new(v, i),
		.flags = (pio ? KVM_IOEVENTFD_FLAG_PIO : 0) | (match ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0),
	};
	traced(v->fd, KVM_IOEVENTFD, &a, "IOEVENTFD");
}

/* IO_FDS's refused calls: each ioctl's errno, the routes and fds untouched. */
static void fds_refused(struct vm *v)
{
	struct { struct kvm_irq_routing r; struct kvm_irq_routing_entry e[1]; } bad = { .r.nr = 1 };
	bad.e[0] = (struct kvm_irq_routing_entry){ .gsi = 5, .type = KVM_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = 24 } };
	traced(v->fd, KVM_SET_GSI_ROUTING, &bad, "SET_GSI_ROUTING-pin24");	/* EINVAL */
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct kvm_ioeventfd e = { .addr = 0xd0, .len = 1, .fd = fd, .flags = KVM_IOEVENTFD_FLAG_PIO };
	traced(v->fd, KVM_IOEVENTFD, &e, "IOEVENTFD-same-range");	/* EEXIST */
	e.len = 3;
	traced(v->fd, KVM_IOEVENTFD, &e, "IOEVENTFD-len3");		/* EINVAL */
	e = (struct kvm_ioeventfd){ .addr = 0xd8, .len = 1, .fd = fd,
				    .flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DEASSIGN };
	traced(v->fd, KVM_IOEVENTFD, &e, "IOEVENTFD-deassign-none");	/* ENOENT */
	close(fd);
	struct kvm_irqfd f = { .fd = (uint32_t)v->efd[0], .gsi = 13 };
	traced(v->fd, KVM_IRQFD, &f, "IRQFD-same-fd");			/* EBUSY */
	f.flags = KVM_IRQFD_FLAG_DEASSIGN;
	traced(v->fd, KVM_IRQFD, &f, "IRQFD-deassign-none");		/* 0 */
	struct kvm_msi m = { .address_lo = 0xfee00000, .data = 0x45, .flags = 2 };
	traced(v->fd, KVM_SIGNAL_MSI, &m, "SIGNAL_MSI-flags2");		/* EINVAL */
}

/* IO_FDS's routing table, GSI 24 an MSI with data msi. Returns the ioctl's. */
static int routes(struct vm *v, uint32_t msi)
{
	struct { struct kvm_irq_routing r; struct kvm_irq_routing_entry e[64]; } rt = { 0 };
	unsigned n = 0;
	for (uint32_t g = 0; g < 16; g++)
		if (g != 2)
			rt.e[n++] = (struct kvm_irq_routing_entry){ .gsi = g, .type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = { .irqchip = g < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
					       .pin = g % 8 } };
	for (uint32_t g = 0; g < 24; g++)
		rt.e[n++] = (struct kvm_irq_routing_entry){ .gsi = g, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = g } };
	rt.e[n++] = (struct kvm_irq_routing_entry){ .gsi = 24, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = 0xfee00000, .data = msi } };
	rt.r.nr = n;
	return ioctl(v->fd, KVM_SET_GSI_ROUTING, &rt) < 0 ? -1000 - errno : 0;
}

/* IO_FDS / IO_RESAMPLE: the routes and eventfds the header lists. */
static void fds_open(struct vm *v)
{
	printf("ioctl SET_GSI_ROUTING %d\n", routes(v, 0x44));
	struct kvm_irqfd f = { .fd = (uint32_t)efd_new(v, 0), .gsi = 11 };
	traced(v->fd, KVM_IRQFD, &f, "IRQFD");
	f = (struct kvm_irqfd){ .fd = (uint32_t)efd_new(v, 1), .gsi = 24 };
	traced(v->fd, KVM_IRQFD, &f, "IRQFD");
	ioeventfd(v, 2, 0xd0, 1, 1, 0, 0);
	ioeventfd(v, 3, 0xd2, 2, 1, 1, 0x1234);
	ioeventfd(v, 4, 0xd0000000, 4, 0, 0, 0);
	ioeventfd(v, 5, 0xd0000008, 4, 0, 1, 0xcafe);
	fds_refused(v);
	if (v->flags & IO_RESAMPLE) {
		f = (struct kvm_irqfd){ .fd = (uint32_t)efd_new(v, 6), .gsi = 12,
					.flags = KVM_IRQFD_FLAG_RESAMPLE, .resamplefd = (uint32_t)efd_new(v, 7) };
		if (traced(v->fd, KVM_IRQFD, &f, "IRQFD-RESAMPLE") < 0) {
			close(v->efd[6]);	/* port 0xe6 then ends the vCPU */
			v->efd[6] = -1;
		}
	}
}

static void vm_open(struct vm *v, const char *path)
{
	uint8_t *img;
	size_t n = load(path, &img);
	memset(v, 0, sizeof *v);
	pthread_mutex_init(&v->lock, NULL);
	v->text = open_memstream(&v->textbuf, &v->textlen);
	for (int i = 0; i < NEFD; i++)
		v->efd[i] = -1;
	v->bios = !(n >= 24 && !memcmp(img + 8, "IOVMMv1", 8));
	if (!v->bios)
		memcpy(&v->flags, img + 16, 4);
	else
		v->flags = IO_IRQCHIP | IO_PIT;
	v->ncpu = v->flags & IO_SMP ? 2 : 1;
	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		die("/dev/kvm: %s", strerror(errno));
	v->fd = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->fd < 0)
		die("KVM_CREATE_VM: %s", strerror(errno));
	v->run_size = (size_t)ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	traced(v->fd, KVM_SET_TSS_ADDR, (void *)0xfffbd000ul, "SET_TSS_ADDR");
	if (v->flags & IO_IRQCHIP)
		traced(v->fd, KVM_CREATE_IRQCHIP, 0, "CREATE_IRQCHIP");
	if (v->flags & IO_PIT) {
		struct kvm_pit_config pc = { .flags = KVM_PIT_SPEAKER_DUMMY };	/* as QEMU */
		traced(v->fd, KVM_CREATE_PIT2, &pc, "CREATE_PIT2");
	}
	v->ram_size = v->bios ? BIOS_RAM : IO_RAM;
	v->ram = anon(v->ram_size);
	if (v->bios) {
		if (n > 0x20000 || n % 0x1000)
			die("%s: a BIOS image of %zu bytes (want at most 128 KiB, in pages)", path, n);
		v->rom_size = n;
		v->rom = anon(n);
		memcpy(v->rom, img, n);
		memcpy(v->ram + 0x100000 - n, img, n);
		slot(v, 1, 0x100000000ull - n, v->rom, n, KVM_MEM_READONLY);
	} else {
		if (n > IO_RAM - LOAD_GPA)
			die("%s: too big", path);
		memcpy(v->ram + LOAD_GPA, img, n);
	}
	v->init = malloc(v->ram_size);
	memcpy(v->init, v->ram, v->ram_size);
	slot(v, 0, 0, v->ram, v->ram_size, 0);
	for (int i = 0; i < v->ncpu; i++)
		vcpu_open(v, i);
	if (v->flags & IO_FDS)
		fds_open(v);
	if (!v->bios)
		flat32(&v->cpu[0]);
}

static void vm_close(struct vm *v)
{
	for (int i = 0; i < NEFD; i++)
		if (v->efd[i] >= 0)
			close(v->efd[i]);
	for (int i = 0; i < v->ncpu; i++) {
		munmap(v->cpu[i].run, v->run_size);
		close(v->cpu[i].fd);
		free(v->cpu[i].buf);
	}
	munmap(v->ram, v->ram_size);
	if (v->rom)
		munmap(v->rom, v->rom_size);
	free(v->init);
	free(v->textbuf);
	close(v->fd);
	close(v->kvm);
}

/* ---- what the vCPU threads print ---- */

static void state(struct cpu *c)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(c->fd, KVM_GET_REGS, &r) < 0 || ioctl(c->fd, KVM_GET_SREGS, &s) < 0)
		die("KVM_GET_REGS/SREGS: %s", strerror(errno));
	fprintf(c->out, "state %d.%d", c->id, c->nexit);
#define R(x) if (!c->have_last || c->last.x != r.x) fprintf(c->out, " %s=%#llx", #x, (unsigned long long)r.x)
	R(rax); R(rbx); R(rcx); R(rdx); R(rsi); R(rdi); R(rsp); R(rbp); R(rip); R(rflags);
#undef R
	fprintf(c->out, " cs=%#x cr0=%#llx cr8=%#llx apic_base=%#llx intr=%#llx\n", s.cs.selector,
		(unsigned long long)s.cr0, (unsigned long long)s.cr8, (unsigned long long)s.apic_base,
		(unsigned long long)(s.interrupt_bitmap[0] | s.interrupt_bitmap[1] |
				     s.interrupt_bitmap[2] | s.interrupt_bitmap[3]));
	c->last = r;
	c->have_last = 1;
}

static uint32_t lapic_reg(const struct kvm_lapic_state *l, unsigned off)
{
	uint32_t x;
	memcpy(&x, l->regs + off, 4);
	return x;
}

static void lapic(struct cpu *c)
{
	struct kvm_lapic_state l;
	if (ioctl(c->fd, KVM_GET_LAPIC, &l) < 0) {
		fprintf(c->out, "lapic %d.%d -1 %s\n", c->id, c->nexit, strerrorname_np(errno));
		return;
	}
	static const struct { unsigned off; const char *name; } f[] = {
		{ 0x20, "id" }, { 0x30, "ver" }, { 0x80, "tpr" }, { 0xa0, "ppr" }, { 0xd0, "ldr" },
		{ 0xe0, "dfr" }, { 0xf0, "svr" }, { 0x280, "esr" }, { 0x300, "icr" }, { 0x310, "icr2" },
		{ 0x320, "lvtt" }, { 0x330, "lvtthmr" }, { 0x340, "lvtpc" }, { 0x350, "lvt0" },
		{ 0x360, "lvt1" }, { 0x370, "lvterr" }, { 0x380, "tmict" }, { 0x3e0, "tdcr" },
	};
	/* Left out: TMCCT (0x390), the timer's current count, which falls with time. */
	fprintf(c->out, "lapic %d.%d", c->id, c->nexit);
	for (unsigned i = 0; i < sizeof f / sizeof f[0]; i++)
		fprintf(c->out, " %s=%#x", f[i].name, lapic_reg(&l, f[i].off));
	for (unsigned i = 0; i < 8; i++)
		fprintf(c->out, " isr%u=%#x", i, lapic_reg(&l, 0x100 + 16 * i));
	for (unsigned i = 0; i < 8; i++)
		fprintf(c->out, " tmr%u=%#x", i, lapic_reg(&l, 0x180 + 16 * i));
	for (unsigned i = 0; i < 8; i++)
		fprintf(c->out, " irr%u=%#x", i, lapic_reg(&l, 0x200 + 16 * i));
	fputc('\n', c->out);
}

static void irqchip(struct cpu *c)
{
	for (uint32_t id = 0; id < 3; id++) {
		struct kvm_irqchip ic = { .chip_id = id };
		if (ioctl(c->vm->fd, KVM_GET_IRQCHIP, &ic) < 0) {
			fprintf(c->out, "irqchip %d.%d %u -1 %s\n", c->id, c->nexit, id, strerrorname_np(errno));
			continue;
		}
		fprintf(c->out, "irqchip %d.%d %u", c->id, c->nexit, id);
		if (id < 2) {
			struct kvm_pic_state *p = &ic.chip.pic;
			fprintf(c->out, " last_irr=%#x irr=%#x imr=%#x isr=%#x prio=%u base=%#x rsel=%u poll=%u"
				" smm=%u init=%u aeoi=%u raeoi=%u sfnm=%u init4=%u elcr=%#x elcr_mask=%#x\n",
				p->last_irr, p->irr, p->imr, p->isr, p->priority_add, p->irq_base,
				p->read_reg_select, p->poll, p->special_mask, p->init_state, p->auto_eoi,
				p->rotate_on_auto_eoi, p->special_fully_nested_mode, p->init4, p->elcr,
				p->elcr_mask);
			continue;
		}
		struct kvm_ioapic_state *a = &ic.chip.ioapic;
		fprintf(c->out, " base=%#llx sel=%#x id=%#x irr=%#x", (unsigned long long)a->base_address,
			a->ioregsel, a->id, a->irr);
		for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
			if (a->redirtbl[i].bits != 0x10000)	/* the reset value: masked */
				fprintf(c->out, " r%d=%#llx", i, (unsigned long long)a->redirtbl[i].bits);
		fputc('\n', c->out);
	}
}

static void pit(struct cpu *c)
{
	struct kvm_pit_state2 s;
	if (ioctl(c->vm->fd, KVM_GET_PIT2, &s) < 0) {
		fprintf(c->out, "pit %d.%d -1 %s\n", c->id, c->nexit, strerrorname_np(errno));
		return;
	}
	fprintf(c->out, "pit %d.%d flags=%#x\n", c->id, c->nexit, s.flags);
	for (int i = 0; i < 3; i++) {
		struct kvm_pit_channel_state *h = &s.channels[i];
		fprintf(c->out, "pit %d.%d ch%d count=%#x latched=%#x count_latched=%u status_latched=%u"
			" status=%#x read_state=%u write_state=%u write_latch=%#x rw_mode=%u mode=%u bcd=%u"
			" gate=%u\n", c->id, c->nexit, i, h->count, h->latched_count, h->count_latched,
			h->status_latched, h->status & 0x7f, h->read_state, h->write_state, h->write_latch,
			h->rw_mode, h->mode, h->bcd, h->gate);
	}
}

static void mp_state(struct cpu *c, int first)
{
	struct kvm_mp_state m;
	if (ioctl(c->fd, KVM_GET_MP_STATE, &m) < 0)
		m.mp_state = 100 + errno;
	if (first || (int)m.mp_state != c->mp)
		fprintf(c->out, "mp %d.%d %s\n", c->id, c->nexit, mp_name(m.mp_state));
	c->mp = m.mp_state;
}

/* ---- the devices user space has: the CMOS, the debug port, COM1 ---- */

static uint8_t cmos(struct vm *v)
{
	uint32_t ext = (BIOS_RAM - 0x100000) / 1024;
	switch (v->cmos_index & 0x7f) {
	case 0x0a: return 0x26;
	case 0x0b: return 0x02;
	case 0x0d: return 0x80;
	case 0x10: return 0;	/* no floppy */
	case 0x15: return 0x80;	/* 640 KiB base */
	case 0x16: return 0x02;
	case 0x17: case 0x30: return ext & 0xff;
	case 0x18: case 0x31: return ext >> 8;
	default: return 0;
	}
}

static void text_out(struct vm *v, int which, uint8_t ch)
{
	static const char *tag[] = { "debug", "serial" };
	if (ch == '\n' || v->linelen[which] == sizeof v->line[0] - 1) {
		v->line[which][v->linelen[which]] = 0;
		/* SeaBIOS's TSC frequency, measured against the PIT: timing */
		if (!strncmp(v->line[which], "CPU Mhz=", 8))
			snprintf(v->line[which], sizeof v->line[0], "CPU Mhz=(timing, not compared)");
		fprintf(v->text, "%s %s\n", tag[which], v->line[which]);
		v->linelen[which] = 0;
		if (ch == '\n')
			return;
	}
	if (ch == '\r')
		return;
	v->line[which][v->linelen[which]++] = ch < 0x20 || ch > 0x7e ? '.' : (char)ch;
}

/* The port answers a BIOS gets; every other IN reads all ones. */
static void bios_io(struct vm *v, struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	unsigned n = run->io.size * run->io.count;
	pthread_mutex_lock(&v->lock);
	if (run->io.direction == KVM_EXIT_IO_OUT) {
		for (unsigned i = 0; i < n; i++) {
			if (run->io.port == 0x70)
				v->cmos_index = data[i];
			else if (run->io.port == 0x402)
				text_out(v, 0, data[i]);
			else if (run->io.port == 0x3f8)
				text_out(v, 1, data[i]);
		}
	} else {
		memset(data, 0xff, n);
		if (run->io.port == 0x71)
			data[0] = cmos(v);
		else if (run->io.port == 0x3fd)
			data[0] = 0x60;	/* THR empty */
		else if (run->io.port == 0x402)
			data[0] = 0xe9;	/* QEMU's debugcon readback: SeaBIOS then prints there */
	}
	pthread_mutex_unlock(&v->lock);
}

static uint8_t answer(uint64_t addr, unsigned i)
{
	return (uint8_t)((addr + i) * 0x9d + 0x3b);
}

/* IO_FDS's ports: write an eventfd, read one's count, KVM_SIGNAL_MSI.
 * Returns 1 to end the vCPU: the guest wrote an irqfd that KVM refused (it
 * would wait for its interrupt until TIMEOUT_S). */
static int efd_port(struct cpu *c, uint16_t port, uint8_t al)
{
	struct vm *v = c->vm;
	if (port == 0xec) {
		fprintf(c->out, "route %d.%d %u %d\n", c->id, c->nexit, al, routes(v, al));
		return 0;
	}
	if (port == 0xed) {
		struct kvm_irqfd f = { .fd = (uint32_t)(al < NEFD ? v->efd[al] : -1),
				       .gsi = al == 0 ? 11 : 24, .flags = KVM_IRQFD_FLAG_DEASSIGN };
		int r = ioctl(v->fd, KVM_IRQFD, &f);
		fprintf(c->out, "deassign %d.%d %u %d\n", c->id, c->nexit, al, r < 0 ? -1000 - errno : r);
		return 0;
	}
	if (port == 0xe8) {
		struct kvm_msi m = { .address_lo = 0xfee00000, .data = al };
		int r = ioctl(v->fd, KVM_SIGNAL_MSI, &m);
		fprintf(c->out, "msi %d.%d %u %d\n", c->id, c->nexit, al, r < 0 ? -1000 - errno : r);
		return 0;
	}
	int fd = al < NEFD ? v->efd[al] : -1;
	uint64_t x = 1;
	if (port == 0xe6) {
		int r = fd < 0 ? -1 : (int)write(fd, &x, 8);
		fprintf(c->out, "efdw %d.%d %u %d\n", c->id, c->nexit, al, r);
		return r < 0;
	}
	if (fd < 0 || read(fd, &x, 8) != 8)
		x = 0;
	fprintf(c->out, "efd %d.%d %u %llu\n", c->id, c->nexit, al, (unsigned long long)x);
	return 0;
}

static int res(int r)
{
	return r < 0 ? -1000 - errno : r;
}

/* Port 0xf0 (save, restore 0) and 0xf1 (restore 1): the parts in mask. */
static int snapshot(struct cpu *c, unsigned mask, int restore)
{
	struct vm *v = c->vm;
	int r = 0;
	if (mask & 1)
		r = res(ioctl(c->fd, restore ? KVM_SET_LAPIC : KVM_GET_LAPIC, &v->snap.lapic));
	for (uint32_t id = 0; id < 3 && !r; id++)
		if (mask & (id < 2 ? 2 : 4)) {
			v->snap.chip[id].chip_id = id;
			r = res(ioctl(v->fd, restore ? KVM_SET_IRQCHIP : KVM_GET_IRQCHIP, &v->snap.chip[id]));
		}
	if ((mask & 8) && !r)
		r = res(ioctl(v->fd, restore ? KVM_SET_PIT2 : KVM_GET_PIT2, &v->snap.pit));
	return r;
}

static void lapic_set_reg(struct kvm_lapic_state *l, unsigned off, uint32_t x)
{
	memcpy(l->regs + off, &x, 4);
}

/* Port 0xee's edits: a GET, one change, the SET. */
static int edit_lapic(struct cpu *c, unsigned n)
{
	struct kvm_lapic_state l;
	if (ioctl(c->fd, KVM_GET_LAPIC, &l) < 0)
		return res(-1);
	switch (n) {
	case 0:		/* IRR: vector 0x50 pending (delivered at the guest's STI) */
		lapic_set_reg(&l, 0x220, lapic_reg(&l, 0x220) | 1u << 16);
		break;
	case 1:		/* TPR 0x60 (PPR follows) */
		lapic_set_reg(&l, 0x80, 0x60);
		break;
	case 2: case 12:	/* a one-shot timer, vector 0x62 (12: masked), 1 ms,
				 * 0x1000 ns of it left */
		lapic_set_reg(&l, 0x3e0, 0xb);
		lapic_set_reg(&l, 0x320, n == 2 ? 0x62 : 0x10062);
		lapic_set_reg(&l, 0x380, 1000000);
		lapic_set_reg(&l, 0x390, 0x1000);
		break;
	case 3:		/* ISR: vector 0x70 in service (PPR follows) */
		lapic_set_reg(&l, 0x130, lapic_reg(&l, 0x130) | 1u << 16);
		break;
	case 13:	/* LVTT TSC-deadline (masked), TMICT as it was */
		lapic_set_reg(&l, 0x320, 0x50062);
		break;
	case 10: case 11:	/* the ID, 3 or back to 0 (bits 31:24: in x2APIC mode
				 * as a VMM without KVM_CAP_X2APIC_API passes it) */
		lapic_set_reg(&l, 0x20, n == 10 ? 3u << 24 : 0);
		break;
	}
	return res(ioctl(c->fd, KVM_SET_LAPIC, &l));
}

static int edit_chip(struct cpu *c, unsigned n)
{
	struct kvm_irqchip ic = { .chip_id = n == 4 || n == 16 ? KVM_IRQCHIP_PIC_MASTER :
					     n == 15 ? KVM_IRQCHIP_PIC_SLAVE : KVM_IRQCHIP_IOAPIC };
	if (ioctl(c->vm->fd, KVM_GET_IRQCHIP, &ic) < 0)
		return res(-1);
	struct kvm_ioapic_state *a = &ic.chip.ioapic;
	switch (n) {
	case 4:		/* the master PIC: IRQ 3 requested and open */
		ic.chip.pic.irr |= 8;
		ic.chip.pic.imr &= ~8;
		break;
	case 5:		/* IOAPIC pin 5: vector 0x55, edge, to APIC 0, in IRR */
		a->redirtbl[5].bits = 0x55;
		a->irr |= 1u << 5;
		break;
	case 6:		/* pin 6: vector 0x56, level, Remote IRR set, in IRR */
		a->redirtbl[6].bits = 0x56 | 1u << 15 | 1u << 14;
		a->irr |= 1u << 6;
		break;
	case 15:	/* the slave PIC: IRQ 10 (its 2) requested and open */
		ic.chip.pic.irr |= 4;
		ic.chip.pic.imr &= ~4;
		break;
	case 16:	/* the master: IRQ 3 and 6 requested and open, IRQ 5 the
			 * lowest priority (6 first), auto-EOI with rotation */
		ic.chip.pic.irr |= 0x48;
		ic.chip.pic.imr &= ~0x48;
		ic.chip.pic.priority_add = 6;
		ic.chip.pic.auto_eoi = 1;
		ic.chip.pic.rotate_on_auto_eoi = 1;
		break;
	case 14:	/* the base moved a page up */
		a->base_address += 0x1000;
		break;
	}
	return res(ioctl(c->vm->fd, KVM_SET_IRQCHIP, &ic));
}

/* The PIT's three channels as a VMM might restore them; flags as given. */
static int edit_pit(struct cpu *c, uint32_t flags)
{
	struct kvm_pit_state2 s;
	if (ioctl(c->vm->fd, KVM_GET_PIT2, &s) < 0)
		return res(-1);
	static const struct { uint32_t count; uint8_t mode, gate; } ch[3] = {
		{ 0x100, 2, 1 }, { 0x1234, 3, 1 }, { 0, 0, 0 },	/* 0: 0x10000 */
	};
	for (int i = 0; i < 3; i++) {
		s.channels[i].count = ch[i].count;
		s.channels[i].mode = ch[i].mode;
		s.channels[i].gate = ch[i].gate;
		s.channels[i].rw_mode = 3;
		s.channels[i].read_state = 3;
		s.channels[i].write_state = 3;
		s.channels[i].count_latched = 0;
		s.channels[i].status_latched = 0;
	}
	s.flags = flags;
	return res(ioctl(c->vm->fd, KVM_SET_PIT2, &s));
}

/* What KVM refuses: each call's result printed. */
static void edit_refused(struct cpu *c)
{
	struct kvm_irqchip ic = { .chip_id = 3 };
	fprintf(c->out, "refused %d.%d SET_IRQCHIP-chip3 %d\n", c->id, c->nexit,
		res(ioctl(c->vm->fd, KVM_SET_IRQCHIP, &ic)));		/* EINVAL */
	ic.chip_id = 3;
	fprintf(c->out, "refused %d.%d GET_IRQCHIP-chip3 %d\n", c->id, c->nexit,
		res(ioctl(c->vm->fd, KVM_GET_IRQCHIP, &ic)));		/* EINVAL */
	struct kvm_pit_state2 s = { 0 };
	if (!(c->vm->flags & IO_PIT))
		fprintf(c->out, "refused %d.%d SET_PIT2 %d\n", c->id, c->nexit,
			res(ioctl(c->vm->fd, KVM_SET_PIT2, &s)));	/* ENXIO */
	/* No state to read (EFAULT, before any other check) */
	fprintf(c->out, "refused %d.%d SET_LAPIC-NULL %d\n", c->id, c->nexit,
		res(ioctl(c->fd, KVM_SET_LAPIC, NULL)));
	fprintf(c->out, "refused %d.%d SET_IRQCHIP-NULL %d\n", c->id, c->nexit,
		res(ioctl(c->vm->fd, KVM_SET_IRQCHIP, NULL)));
	fprintf(c->out, "refused %d.%d SET_PIT2-NULL %d\n", c->id, c->nexit,
		res(ioctl(c->vm->fd, KVM_SET_PIT2, NULL)));
}

/* Port 0xee: edit AL. */
static int edit(struct cpu *c, unsigned n)
{
	switch (n) {
	case 0: case 1: case 2: case 3: case 10: case 11: case 12: case 13:
		return edit_lapic(c, n);
	case 4: case 5: case 6: case 14: case 15: case 16:
		return edit_chip(c, n);
	case 7:		/* channel 0 under HPET legacy routing: no timer */
		return edit_pit(c, KVM_PIT_FLAGS_HPET_LEGACY);
	case 8:		/* and without: IRQ 0 every 0x100 counts */
		return edit_pit(c, 0);
	case 9:
		edit_refused(c);
		return 0;
	}
	return -1;
}

/* An io case's exit: its fields, and what the guest asked user space for.
 * Returns 0 to go on. */
static int io_exit(struct cpu *c)
{
	struct kvm_run *run = c->run;
	struct vm *v = c->vm;
	char line[160];
	int n = snprintf(line, sizeof line, "exit %s", reason_name(run->exit_reason));
	switch (run->exit_reason) {
	case KVM_EXIT_IO: {
		uint8_t *data = (uint8_t *)run + run->io.data_offset;
		uint32_t val = 0;
		n += snprintf(line + n, sizeof line - n, " dir=%u size=%u port=%#x count=%u",
			      run->io.direction, run->io.size, run->io.port, run->io.count);
		if (run->io.direction == KVM_EXIT_IO_OUT) {
			memcpy(&val, data, run->io.size < 4 ? run->io.size : 4);
			if (!v->bios)
				n += snprintf(line + n, sizeof line - n, " data=%#x", val);
		}
		if (v->bios)
			bios_io(v, run);
		else if (run->io.direction == KVM_EXIT_IO_IN)
			for (unsigned i = 0; i < run->io.size * run->io.count; i++)
				data[i] = answer(run->io.port, i);
		break;
	}
	case KVM_EXIT_MMIO:
		n += snprintf(line + n, sizeof line - n, " gpa=%#llx len=%u write=%u",
			      (unsigned long long)run->mmio.phys_addr, run->mmio.len, run->mmio.is_write);
		if (!run->mmio.is_write)
			memset(run->mmio.data, v->bios ? 0xff : 0, sizeof run->mmio.data);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		n += snprintf(line + n, sizeof line - n, " suberror=%u", run->internal.suberror);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		n += snprintf(line + n, sizeof line - n, " reason=%#llx",
			      (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	}
	if (!(v->flags & IO_IRQCHIP))
		n += snprintf(line + n, sizeof line - n, " ready=%u if=%u cr8=%llu",
			      run->ready_for_interrupt_injection, run->if_flag,
			      (unsigned long long)run->cr8);
	if (v->bios) {
		/* runs of equal exits: polling repeats as often as time allows */
		if (!strcmp(line, c->prev)) {
			c->repeat++;
		} else {
			if (c->repeat > 1)
				fprintf(c->out, "exit %d.%d %s xN\n", c->id, c->prev_k, c->prev + 5);
			else if (c->repeat)
				fprintf(c->out, "exit %d.%d %s\n", c->id, c->prev_k, c->prev + 5);
			snprintf(c->prev, sizeof c->prev, "%s", line);
			c->repeat = 1;
			c->prev_k++;
		}
	} else {
		fprintf(c->out, "exit %d.%d %s\n", c->id, c->nexit, line + 5);
		state(c);
	}
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (v->bios || run->io.direction != KVM_EXIT_IO_OUT)
			return 0;
		uint8_t al = *((uint8_t *)run + run->io.data_offset);
		switch (run->io.port) {
		case 0xe1:
			c->queued = al;
			return 0;
		case 0xe2:
			fprintf(c->out, "nmi %d.%d %d\n", c->id, c->nexit, ioctl(c->fd, KVM_NMI, 0));
			return 0;
		case 0xe3: case 0xe4: {
			struct kvm_irq_level l = { .irq = al, .level = run->io.port == 0xe3 };
			int r = ioctl(v->fd, KVM_IRQ_LINE_STATUS, &l);
			fprintf(c->out, "irq %d.%d %u %u %d\n", c->id, c->nexit, al, l.level,
				r < 0 ? -1000 - errno : (int)l.status);
			return 0;
		}
		case 0xe5:
			lapic(c);
			return 0;
		case 0xea:
			irqchip(c);
			return 0;
		case 0xeb:
			pit(c);
			return 0;
		case 0xe6: case 0xe7: case 0xe8: case 0xec: case 0xed:
			return efd_port(c, run->io.port, al);
		case 0xee:
			fprintf(c->out, "edit %d.%d %u %d\n", c->id, c->nexit, al, edit(c, al));
			return 0;
		case 0xf0: case 0xf1:
			fprintf(c->out, "%s %d.%d %#x %d\n", run->io.port == 0xf0 ? "save" : "restore",
				c->id, c->nexit, al, snapshot(c, al, run->io.port == 0xf1));
			return 0;
		case 0xef:
			return 1;
		}
		return 0;
	case KVM_EXIT_MMIO:
		return 0;
	case KVM_EXIT_HLT:
		return c->queued < 0;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return 0;
	default:
		return 1;
	}
}

/* The user-space irqchip's injection, as QEMU's kvm_arch_pre_run does it. */
static void pre_run(struct cpu *c)
{
	if (c->vm->flags & IO_IRQCHIP)
		return;
	if (c->queued >= 0 && c->run->ready_for_interrupt_injection && c->run->if_flag) {
		struct kvm_interrupt irq = { .irq = (uint32_t)c->queued };
		int r = ioctl(c->fd, KVM_INTERRUPT, &irq);
		fprintf(c->out, "inject %d.%d %d %d\n", c->id, c->nexit, c->queued, r);
		c->queued = -1;
	}
	c->run->request_interrupt_window = c->queued >= 0;
}

/* SeaBIOS's last words when nothing boots: the run ends there. */
static int bios_ended(struct vm *v)
{
	pthread_mutex_lock(&v->lock);
	fflush(v->text);
	int r = v->textbuf && strstr(v->textbuf, "No bootable device") != NULL;
	pthread_mutex_unlock(&v->lock);
	return r;
}

static void *vcpu_thread(void *arg)
{
	struct cpu *c = arg;
	struct vm *v = c->vm;
	const char *why = "max-exits";
	mp_state(c, 1);
	__atomic_store_n(&c->started, 1, __ATOMIC_SEQ_CST);
	/* the first entry is ready (KVM sets ready_for_interrupt_injection = 1
	 * only at exits: the kvm_run page starts zeroed) */
	for (c->nexit = 0; c->nexit < (v->bios ? BIOS_EXITS : MAX_EXITS) && !v->stop; c->nexit++) {
		pre_run(c);
		if (ioctl(c->fd, KVM_RUN, 0) < 0) {
			if (errno == EAGAIN && !v->stop) {
				/* An AP's first KVM_RUN returns EAGAIN once INIT woke it
				 * (x86.c, KVM_MP_STATE_UNINITIALIZED); QEMU runs again.
				 * Its MP state then is INIT_RECEIVED or RUNNABLE, as the
				 * SIPI came before the wake-up or not: not printed. */
				fprintf(c->out, "run %d.%d -1 EAGAIN\n", c->id, c->nexit--);
				continue;
			}
			why = errno == EINTR ? "EINTR" : "KVM_RUN-failed";
			fprintf(c->out, "run %d.%d -1 %s\n", c->id, c->nexit, strerrorname_np(errno));
			if (v->bios && getenv("IOVMM_STATE"))
				state(c);	/* where a BIOS was (timing: not in traces) */
			break;
		}
		int stop = io_exit(c);
		if (!v->bios)
			mp_state(c, 0);
		if (stop) {
			why = reason_name(c->run->exit_reason);
			if (v->bios)
				state(c);	/* where a BIOS stopped */
			break;
		}
		if (v->bios && bios_ended(v)) {
			why = "no-bootable-device";
			break;
		}
	}
	if (v->bios && c->repeat)
		fprintf(c->out, "exit %d.%d %s%s\n", c->id, c->prev_k, c->prev + 5, c->repeat > 1 ? " xN" : "");
	fprintf(c->out, "end %d %s\n", c->id, why);
	c->done = 1;
	if (v->bios)
		v->stop = 1;	/* a BIOS's end ends the machine */
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
}

static void one(const char *name, const char *path)
{
	static struct vm v;
	printf("case %s\n", name);
	vm_open(&v, path);
	fflush(stdout);
	/* APs first, each past its first KVM_GET_MP_STATE before the BSP runs:
	 * else that state (and the EAGAIN that follows UNINITIALIZED) would
	 * depend on whether the BSP's INIT and SIPI came before it. */
	for (int i = v.ncpu - 1; i >= 0; i--) {
		if (pthread_create(&v.cpu[i].th, NULL, vcpu_thread, &v.cpu[i]))
			die("pthread_create");
		while (i && !__atomic_load_n(&v.cpu[i].started, __ATOMIC_SEQ_CST))
			usleep(1000);
	}
	time_t t0 = time(NULL);
	int limit = v.bios ? BIOS_S : TIMEOUT_S;
	/* run.py gives kvm-emu less: its virtual clock skips the BIOS's waits */
	if (v.bios && getenv("IOVMM_BIOS_S"))
		limit = atoi(getenv("IOVMM_BIOS_S"));
	for (;;) {
		int all = 1;
		for (int i = 0; i < v.ncpu; i++)
			all &= v.cpu[i].done;
		if (all)
			break;
		if (time(NULL) - t0 >= limit || v.stop) {
			/* the time, or a BIOS's end: stop every KVM_RUN */
			v.stop = 1;
			for (int i = 0; i < v.ncpu; i++)
				if (!v.cpu[i].done)
					pthread_kill(v.cpu[i].th, SIGUSR1);
		}
		usleep(20000);
	}
	for (int i = 0; i < v.ncpu; i++) {
		pthread_join(v.cpu[i].th, NULL);
		fclose(v.cpu[i].out);
		printf("cpu %d\n%s", i, v.cpu[i].buf);
	}
	for (int i = 0; i < 2; i++)
		if (v.linelen[i])
			text_out(&v, i, '\n');
	fclose(v.text);
	fputs(v.textbuf, stdout);
	for (size_t p = 0; p < v.ram_size; p += 4096)
		if (memcmp(v.ram + p, v.init + p, 4096))
			printf("mem 0 %#zx %016" PRIx64 "\n", p, fnv1a(v.ram + p, 4096));
	fflush(stdout);
	vm_close(&v);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: iovmm [NAME=]GUEST.bin ...\n");
		return 2;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGUSR1, &sa, NULL);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	for (int i = 1; i < argc; i++) {
		char name[256];
		const char *path = argv[i], *eq = strchr(argv[i], '=');
		if (eq && eq - argv[i] < (int)sizeof name) {
			snprintf(name, sizeof name, "%.*s", (int)(eq - argv[i]), argv[i]);
			path = eq + 1;
		} else {
			const char *b = strrchr(path, '/');
			snprintf(name, sizeof name, "%s", b ? b + 1 : path);
			char *dot = strrchr(name, '.');
			if (dot)
				*dot = 0;
		}
		one(name, path);
	}
	return 0;
}
