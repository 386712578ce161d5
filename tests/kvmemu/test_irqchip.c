/* test_irqchip.c - the interrupt ioctls and interrupts reaching a guest:
 * KVM_CREATE_IRQCHIP and its devices, KVM_IRQ_LINE_STATUS, GSI routing,
 * KVM_SIGNAL_MSI, the PIT, irqfd/ioeventfd, KVM_GET/SET_LAPIC, the
 * user-space irqchip's interrupt window, HLT inside KVM_RUN.
 *
 * Expectations are upstream's (arch/x86/kvm/x86.c, irq_comm.c, i8259.c,
 * ioapic.c, lapic.c, i8254.c; virt/kvm/kvm_main.c, eventfd.c), cited per
 * test; on real KVM the same tests are the oracle. */
#include "tests.h"
#include "check_decl.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

CHECK_SUITE("irqchip", "irqchip", NULL, NULL, 0);

#define WANT_ERR(v, what, err, call) do { \
		int r_ = (call); \
		WANT_EQ(v, what " (result)", -1, r_); \
		WANT_EQ(v, what " (errno)", err, errno); \
	} while (0)

static int raise_status(struct vmm *v, uint32_t gsi, uint32_t level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };
	if (ioctl(v->vm, KVM_IRQ_LINE_STATUS, &l) != 0)
		FAIL(v, "KVM_IRQ_LINE_STATUS(%u, %u): %s", gsi, level, strerror(errno));
	return l.status;
}

/* kvm_arch_vm_ioctl KVM_CREATE_IRQCHIP: EEXIST twice, EINVAL after a vCPU;
 * the irq ioctls are ENXIO without it. */
TEST(irqchip_create_rules)
{
	struct vmm v;
	VM_OPEN(&v);
	WANT_ERR(&v, "KVM_CREATE_IRQCHIP after KVM_CREATE_VCPU", EINVAL,
		 ioctl(v.vm, KVM_CREATE_IRQCHIP, 0));
	struct kvm_irq_level l = { .irq = 1, .level = 1 };
	WANT_ERR(&v, "KVM_IRQ_LINE without the irqchip", ENXIO, ioctl(v.vm, KVM_IRQ_LINE, &l));
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	WANT_ERR(&v, "KVM_GET_IRQCHIP without the irqchip", ENXIO, ioctl(v.vm, KVM_GET_IRQCHIP, &chip));
	struct kvm_lapic_state ls;
	WANT_ERR(&v, "KVM_GET_LAPIC without the irqchip", EINVAL, ioctl(v.vcpu, KVM_GET_LAPIC, &ls));
	struct kvm_pit_config pc = { 0 };
	WANT_ERR(&v, "KVM_CREATE_PIT2 without the irqchip", ENOENT, ioctl(v.vm, KVM_CREATE_PIT2, &pc));
	vmm_close(&v);
	VM_OPEN_IRQCHIP(&v);
	WANT_ERR(&v, "KVM_CREATE_IRQCHIP twice", EEXIST, ioctl(v.vm, KVM_CREATE_IRQCHIP, 0));
	WANT_EQ(&v, "KVM_CHECK_EXTENSION(KVM_CAP_IRQCHIP)", 1,
		ioctl(v.kvm, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP));
	WANT_EQ(&v, "KVM_CHECK_EXTENSION(KVM_CAP_IRQ_INJECT_STATUS)", 1,
		ioctl(v.kvm, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_INJECT_STATUS));
	WANT_EQ(&v, "KVM_CHECK_EXTENSION(KVM_CAP_PIT2)", 1,
		ioctl(v.kvm, KVM_CHECK_EXTENSION, KVM_CAP_PIT2));
	WANT_EQ(&v, "KVM_CHECK_EXTENSION(KVM_CAP_IRQ_ROUTING) >= 1024", 1,
		ioctl(v.kvm, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING) >= 1024);
	vmm_close(&v);
}
END_TEST

/* kvm_set_irq over the default routes (PIC + IOAPIC for GSI 0-15): the
 * status sums the routes that didn't refuse; a masked IOAPIC pin refuses
 * (-1), an edge already pending is coalesced (0), lowering counts 1. */
TEST(irq_line_status)
{
	struct vmm v;
	VM_OPEN_IRQCHIP(&v);
	WANT_EQ(&v, "raise GSI 4 (PIC 1, IOAPIC pin masked)", 1, raise_status(&v, 4, 1));
	WANT_EQ(&v, "raise it again (PIC 1, IOAPIC coalesced 0)", 1, raise_status(&v, 4, 1));
	WANT_EQ(&v, "lower it (PIC 1 + IOAPIC 1)", 2, raise_status(&v, 4, 0));
	WANT_EQ(&v, "GSI 20 (IOAPIC only, masked)", -1, raise_status(&v, 20, 1));
	WANT_EQ(&v, "GSI 100 (no route)", -1, raise_status(&v, 100, 1));
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	WANT_EQ(&v, "KVM_GET_IRQCHIP", 0, ioctl(v.vm, KVM_GET_IRQCHIP, &chip));
	WANT_EQ(&v, "master IRR after the pulse on 4", 0x10, chip.chip.pic.irr);
	vmm_close(&v);
}
END_TEST

/* KVM_GET/SET_IRQCHIP: kvm_create_pic's ELCR masks, kvm_ioapic_reset's
 * base and masked pins; EINVAL for another chip id. */
TEST(get_set_irqchip)
{
	struct vmm v;
	VM_OPEN_IRQCHIP(&v);
	struct kvm_irqchip c = { .chip_id = KVM_IRQCHIP_PIC_SLAVE };
	WANT_EQ(&v, "get slave", 0, ioctl(v.vm, KVM_GET_IRQCHIP, &c));
	WANT_EQ(&v, "slave elcr_mask", 0xde, c.chip.pic.elcr_mask);
	c.chip.pic.irq_base = 0x70;
	c.chip.pic.imr = 0xfb;
	WANT_EQ(&v, "set slave", 0, ioctl(v.vm, KVM_SET_IRQCHIP, &c));
	memset(&c.chip, 0, sizeof c.chip);
	ioctl(v.vm, KVM_GET_IRQCHIP, &c);
	WANT_EQ(&v, "slave irq_base back", 0x70, c.chip.pic.irq_base);
	WANT_EQ(&v, "slave imr back", 0xfb, c.chip.pic.imr);
	c.chip_id = KVM_IRQCHIP_IOAPIC;
	WANT_EQ(&v, "get ioapic", 0, ioctl(v.vm, KVM_GET_IRQCHIP, &c));
	WANT_EQ(&v, "ioapic base", 0xfec00000, c.chip.ioapic.base_address);
	WANT_EQ(&v, "pin 7 masked", 1, c.chip.ioapic.redirtbl[7].fields.mask);
	c.chip_id = 3;
	WANT_ERR(&v, "KVM_GET_IRQCHIP chip 3", EINVAL, ioctl(v.vm, KVM_GET_IRQCHIP, &c));
	vmm_close(&v);
}
END_TEST

/* KVM_SET_GSI_ROUTING (kvm_set_irq_routing, kvm_set_routing_entry). */
TEST(gsi_routing)
{
	struct vmm v;
	VM_OPEN_IRQCHIP(&v);
	struct { struct kvm_irq_routing r; struct kvm_irq_routing_entry e[2]; } rt;
	memset(&rt, 0, sizeof rt);
	rt.r.nr = 1;
	rt.e[0] = (struct kvm_irq_routing_entry){ .gsi = 5, .type = KVM_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { KVM_IRQCHIP_IOAPIC, 24 } };
	WANT_ERR(&v, "IOAPIC pin 24", EINVAL, ioctl(v.vm, KVM_SET_GSI_ROUTING, &rt));
	rt.e[0].u.irqchip = (struct kvm_irq_routing_irqchip){ KVM_IRQCHIP_PIC_MASTER, 8 };
	WANT_ERR(&v, "PIC pin 8", EINVAL, ioctl(v.vm, KVM_SET_GSI_ROUTING, &rt));
	rt.e[0].u.irqchip = (struct kvm_irq_routing_irqchip){ KVM_IRQCHIP_IOAPIC, 5 };
	rt.e[1] = rt.e[0];
	rt.r.nr = 2;
	WANT_ERR(&v, "the same chip twice for a GSI", EINVAL, ioctl(v.vm, KVM_SET_GSI_ROUTING, &rt));
	rt.e[1] = (struct kvm_irq_routing_entry){ .gsi = 30, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = 0xfee00000, .data = 0x41 } };
	rt.r.flags = 1;
	WANT_ERR(&v, "routing flags", EINVAL, ioctl(v.vm, KVM_SET_GSI_ROUTING, &rt));
	rt.r.flags = 0;
	WANT_EQ(&v, "IOAPIC + MSI routes", 0, ioctl(v.vm, KVM_SET_GSI_ROUTING, &rt));
	WANT_EQ(&v, "GSI 4: no route any more", -1, raise_status(&v, 4, 1));
	/* The APIC is software-disabled at reset: a fixed MSI is refused (0). */
	WANT_EQ(&v, "GSI 30 (MSI to APIC 0)", 0, raise_status(&v, 30, 1));
	WANT_EQ(&v, "MSI lowered", -1, raise_status(&v, 30, 0));
	vmm_close(&v);
}
END_TEST

/* KVM_SIGNAL_MSI (kvm_send_userspace_msi): EINVAL without the irqchip or
 * with unknown flags; the result is what kvm_irq_delivery_to_apic counted. */
TEST(signal_msi)
{
	struct vmm v;
	VM_OPEN(&v);
	struct kvm_msi m = { .address_lo = 0xfee00000, .data = 0x4041 };
	WANT_ERR(&v, "without the irqchip", EINVAL, ioctl(v.vm, KVM_SIGNAL_MSI, &m));
	vmm_close(&v);
	VM_OPEN_IRQCHIP(&v);
	m.flags = 2;
	WANT_ERR(&v, "unknown flags", EINVAL, ioctl(v.vm, KVM_SIGNAL_MSI, &m));
	m.flags = 0;
	struct kvm_lapic_state ls;
	WANT_EQ(&v, "KVM_GET_LAPIC", 0, ioctl(v.vcpu, KVM_GET_LAPIC, &ls));
	ls.regs[0xf1] |= 1;               /* SPIV bit 8: software-enable */
	WANT_EQ(&v, "KVM_SET_LAPIC", 0, ioctl(v.vcpu, KVM_SET_LAPIC, &ls));
	WANT_EQ(&v, "MSI to APIC 0, vector 0x41: one APIC took it", 1, ioctl(v.vm, KVM_SIGNAL_MSI, &m));
	ioctl(v.vcpu, KVM_GET_LAPIC, &ls);
	WANT_EQ(&v, "IRR bit of vector 0x41", 0x2, ls.regs[0x220] & 0x2);
	vmm_close(&v);
}
END_TEST

/* kvm_lapic_reset as KVM_GET_LAPIC shows it (vCPU 0 is the BSP). */
TEST(lapic_state)
{
	struct vmm v;
	VM_OPEN_IRQCHIP(&v);
	struct kvm_lapic_state ls;
	WANT_EQ(&v, "KVM_GET_LAPIC", 0, ioctl(v.vcpu, KVM_GET_LAPIC, &ls));
	uint32_t r;
	memcpy(&r, ls.regs + 0x30, 4);
	WANT_EQ(&v, "version: 6 LVTs, 0x14 (no directed EOI)", 0x50014, r);
	memcpy(&r, ls.regs + 0xf0, 4);
	WANT_EQ(&v, "SPIV", 0xff, r);
	memcpy(&r, ls.regs + 0x350, 4);
	WANT_EQ(&v, "LVT0: ExtINT, unmasked (LINT0_REENABLED quirk)", 0x700, r);
	memcpy(&r, ls.regs + 0x320, 4);
	WANT_EQ(&v, "LVTT masked", 0x10000, r);
	r = 0x40;
	memcpy(ls.regs + 0x80, &r, 4);
	WANT_EQ(&v, "KVM_SET_LAPIC", 0, ioctl(v.vcpu, KVM_SET_LAPIC, &ls));
	struct kvm_sregs s;
	VM_GET_SREGS(&v, &s);
	WANT_EQ(&v, "CR8 from TPR 0x40", 4, s.cr8);
	WANT_EQ(&v, "APIC base", 0xfee00900, s.apic_base);
	vmm_close(&v);
}
END_TEST

/* KVM_CREATE_PIT2 / KVM_GET_PIT2 (kvm_create_pit, kvm_pit_reset). */
TEST(pit_create_and_state)
{
	struct vmm v;
	VM_OPEN_IRQCHIP(&v);
	struct kvm_pit_config pc = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct kvm_pit_state2 ps;
	WANT_ERR(&v, "KVM_GET_PIT2 before the PIT", ENXIO, ioctl(v.vm, KVM_GET_PIT2, &ps));
	WANT_EQ(&v, "KVM_CREATE_PIT2", 0, ioctl(v.vm, KVM_CREATE_PIT2, &pc));
	WANT_ERR(&v, "KVM_CREATE_PIT2 twice", EEXIST, ioctl(v.vm, KVM_CREATE_PIT2, &pc));
	WANT_EQ(&v, "KVM_GET_PIT2", 0, ioctl(v.vm, KVM_GET_PIT2, &ps));
	WANT_EQ(&v, "channel 0 count", 0x10000, ps.channels[0].count);
	WANT_EQ(&v, "channel 2 gate", 0, ps.channels[2].gate);
	WANT_EQ(&v, "channel 1 gate", 1, ps.channels[1].gate);
	vmm_close(&v);
}
END_TEST

/* KVM_IRQFD (virt/kvm/eventfd.c kvm_irqfd): EAGAIN without the irqchip,
 * EBUSY for an eventfd already used, deassign of nothing is fine. */
TEST(irqfd_rules)
{
	struct vmm v;
	VM_OPEN(&v);
	int efd = eventfd(0, EFD_CLOEXEC);
	struct kvm_irqfd f = { .fd = (uint32_t)efd, .gsi = 3 };
	WANT_ERR(&v, "KVM_IRQFD without the irqchip", EAGAIN, ioctl(v.vm, KVM_IRQFD, &f));
	vmm_close(&v);
	VM_OPEN_IRQCHIP(&v);
	WANT_EQ(&v, "KVM_IRQFD", 0, ioctl(v.vm, KVM_IRQFD, &f));
	WANT_ERR(&v, "the same eventfd again", EBUSY, ioctl(v.vm, KVM_IRQFD, &f));
	f.flags = 0x80;
	WANT_ERR(&v, "unknown flags", EINVAL, ioctl(v.vm, KVM_IRQFD, &f));
	/* an eventfd write pulses GSI 3: PIC master IRR bit 3 */
	uint64_t one = 1;
	WANT_EQ(&v, "eventfd write", 8, write(efd, &one, 8));
	struct kvm_irqchip c = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	for (int i = 0; i < 200; i++) {   /* the injection is asynchronous */
		ioctl(v.vm, KVM_GET_IRQCHIP, &c);
		if (c.chip.pic.irr & 8)
			break;
		usleep(1000);
	}
	WANT_EQ(&v, "IRR bit 3 after the eventfd write", 8, c.chip.pic.irr & 8);
	f.flags = KVM_IRQFD_FLAG_DEASSIGN;
	WANT_EQ(&v, "deassign", 0, ioctl(v.vm, KVM_IRQFD, &f));
	WANT_EQ(&v, "deassign again", 0, ioctl(v.vm, KVM_IRQFD, &f));
	vmm_close(&v);
	close(efd);
}
END_TEST

static uint64_t eventfd_count(int fd)   /* 0 if nothing was signalled (EFD_NONBLOCK) */
{
	uint64_t n = 0;
	return read(fd, &n, sizeof n) == sizeof n ? n : 0;
}

/* KVM_IRQFD_FLAG_RESAMPLE (virt/kvm/eventfd.c): an eventfd write raises the
 * GSI (irqfd_inject: the resample source, left high); the guest's EOI runs
 * the ack notifier (irqfd_resampler_ack), which lowers it and signals the
 * resamplefd; a level pin with its line low doesn't fire again. */
TEST(irqfd_resample)
{
	struct vmm v;
	VM_OPEN_IRQCHIP(&v);
	VM_SLOT(&v, 0, 0, 0x10000);
	VM_LOAD(&v, "irqfd_resample", 0x1000);
	VM_REAL_MODE(&v, 0x1000);
	int efd = eventfd(0, EFD_CLOEXEC), rfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct kvm_irqfd f = { .fd = (uint32_t)efd, .gsi = 5, .flags = KVM_IRQFD_FLAG_RESAMPLE,
			       .resamplefd = (uint32_t)rfd };
	WANT_EQ(&v, "KVM_IRQFD with a resamplefd", 0, ioctl(v.vm, KVM_IRQFD, &f));
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf1, 1);
	uint64_t one = 1;
	WANT_EQ(&v, "eventfd write", 8, write(efd, &one, 8));
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf3, 1);
	WANT_EQ(&v, "resamplefd before the guest's EOI", 0, eventfd_count(rfd));
	struct kvm_irqchip c = { .chip_id = KVM_IRQCHIP_IOAPIC };
	WANT_EQ(&v, "KVM_GET_IRQCHIP", 0, ioctl(v.vm, KVM_GET_IRQCHIP, &c));
	WANT_EQ(&v, "pin 5's remote IRR in the handler", 1, c.chip.ioapic.redirtbl[5].fields.remote_irr);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf2, 1);
	WANT_EQ(&v, "handler runs (the line was lowered at the EOI)", 1, vmm_io_data(&v)[0]);
	WANT_EQ(&v, "resamplefd after the EOI", 1, eventfd_count(rfd));
	WANT_EQ(&v, "KVM_GET_IRQCHIP", 0, ioctl(v.vm, KVM_GET_IRQCHIP, &c));
	WANT_EQ(&v, "pin 5's IRR bit after the EOI", 0, c.chip.ioapic.irr & (1u << 5));
	f.flags = KVM_IRQFD_FLAG_DEASSIGN;
	WANT_EQ(&v, "deassign", 0, ioctl(v.vm, KVM_IRQFD, &f));
	vmm_close(&v);
	close(efd);
	close(rfd);
}
END_TEST

static void set_ioapic_base(struct vmm *v, uint64_t base)
{
	struct kvm_irqchip c = { .chip_id = KVM_IRQCHIP_IOAPIC };
	WANT_EQ(v, "KVM_GET_IRQCHIP", 0, ioctl(v->vm, KVM_GET_IRQCHIP, &c));
	c.chip.ioapic.base_address = base;
	WANT_EQ(v, "KVM_SET_IRQCHIP", 0, ioctl(v->vm, KVM_SET_IRQCHIP, &c));
}

/* kvm_set_ioapic copies base_address, but the IOAPIC stays on the MMIO bus
 * where kvm_ioapic_init registered it and ioapic_mmio_read/write refuse an
 * address outside the new base (ioapic_in_range): moved, it answers at
 * neither page, its old one exits to user space (the oracle: corpus-io m13);
 * moved back, it answers again. Past its IOAPIC_MEM_LENGTH (0x100) bytes the
 * page is not the IOAPIC's: a read there exits (kvm_io_bus_read). */
TEST(ioapic_base_moved)
{
	struct vmm v;
	VM_OPEN_IRQCHIP(&v);
	VM_SLOT(&v, 0, 0, 0x10000);
	VM_LOAD(&v, "ioapic_moved", 0x1000);
	VM_REAL_MODE(&v, 0x1000);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0xf1, 1);
	uint32_t x;
	memcpy(&x, vmm_io_data(&v), 4);
	WANT_EQ(&v, "the version at 0xfec00000", 0x170011, x);
	set_ioapic_base(&v, 0xfec01000);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_MMIO);
	WANT_EQ(&v, "IOREGSEL's write exits", 0xfec00000, v.run->mmio.phys_addr);
	WANT_EQ(&v, "a write", 1, v.run->mmio.is_write);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_MMIO);
	WANT_EQ(&v, "IOWIN's read exits", 0xfec00010, v.run->mmio.phys_addr);
	WANT_EQ(&v, "a read", 0, v.run->mmio.is_write);
	memcpy(v.run->mmio.data, "\x5a\x5a\x5a\x5a", 4);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0xf2, 1);
	memcpy(&x, vmm_io_data(&v), 4);
	WANT_EQ(&v, "the read got user space's answer", 0x5a5a5a5a, x);
	set_ioapic_base(&v, 0xfec00000);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0xf3, 1);
	memcpy(&x, vmm_io_data(&v), 4);
	WANT_EQ(&v, "the version again once moved back", 0x170011, x);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_MMIO);
	WANT_EQ(&v, "a read at 0xfec00100 exits", 0xfec00100, v.run->mmio.phys_addr);
	WANT_EQ(&v, "its length", 4, v.run->mmio.len);
	WANT_EQ(&v, "a read", 0, v.run->mmio.is_write);
	memcpy(v.run->mmio.data, "\x21\x43\x65\x87", 4);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0xf4, 1);
	memcpy(&x, vmm_io_data(&v), 4);
	WANT_EQ(&v, "the read got user space's answer", 0x87654321, x);
	vmm_close(&v);
}
END_TEST

/* KVM_IOEVENTFD (kvm_assign_ioeventfd): length and flag checks; a matching
 * guest write signals without an exit, another value exits. */
TEST(ioeventfd_guest)
{
	struct vmm v;
	VM_STANDARD(&v, "ioevent");
	int pfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), mfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct kvm_ioeventfd e = { .addr = 0x555, .len = 3, .fd = pfd,
				   .flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH,
				   .datamatch = 0x12 };
	WANT_ERR(&v, "len 3", EINVAL, ioctl(v.vm, KVM_IOEVENTFD, &e));
	e.len = 0;
	WANT_ERR(&v, "len 0 with datamatch", EINVAL, ioctl(v.vm, KVM_IOEVENTFD, &e));
	e.len = 1;
	WANT_EQ(&v, "PIO ioeventfd", 0, ioctl(v.vm, KVM_IOEVENTFD, &e));
	WANT_ERR(&v, "the same again", EEXIST, ioctl(v.vm, KVM_IOEVENTFD, &e));
	struct kvm_ioeventfd m = { .addr = 0xd0000, .len = 2, .fd = mfd };
	WANT_EQ(&v, "MMIO ioeventfd, any value", 0, ioctl(v.vm, KVM_IOEVENTFD, &m));
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x555, 1);
	WANT_EQ(&v, "the value that exits", 0x34, vmm_io_data(&v)[0]);
	uint64_t n = 0;
	WANT_EQ(&v, "PIO eventfd signalled", 8, read(pfd, &n, 8));
	WANT_EQ(&v, "PIO eventfd count", 1, n);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "MMIO eventfd signalled", 8, read(mfd, &n, 8));
	e.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
	e.datamatch = 0x13;
	WANT_ERR(&v, "deassign with another datamatch", ENOENT, ioctl(v.vm, KVM_IOEVENTFD, &e));
	vmm_close(&v);
	close(pfd);
	close(mfd);
}
END_TEST

/* A real-mode guest programs the in-kernel PIC; KVM_IRQ_LINE on GSI 1
 * wakes it from hlt through vector 0x21 (kvm_pic_read_irq via LINT0). */
TEST(pic_interrupt_to_guest)
{
	struct vmm v;
	VM_OPEN_IRQCHIP(&v);
	VM_SLOT(&v, 0, 0, 0x10000);
	VM_LOAD(&v, "pic_irq", 0x1000);
	VM_REAL_MODE(&v, 0x1000);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf0, 1);
	WANT_EQ(&v, "mask read back from port 0x21", 0xfd, vmm_io_data(&v)[0]);
	struct kvm_irq_level l = { .irq = 1, .level = 1 };
	WANT_EQ(&v, "KVM_IRQ_LINE 1 high", 0, ioctl(v.vm, KVM_IRQ_LINE, &l));
	l.level = 0;
	WANT_EQ(&v, "KVM_IRQ_LINE 1 low", 0, ioctl(v.vm, KVM_IRQ_LINE, &l));
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf1, 1);
	WANT_EQ(&v, "ISR in the handler", 0x02, vmm_io_data(&v)[0]);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf2, 1);
	WANT_EQ(&v, "the handler ran and returned", 0x49, vmm_io_data(&v)[0]);
	vmm_close(&v);
}
END_TEST

/* The PIT's channel 0 on IRQ 0 ticks a halted guest five times. */
TEST(pit_ticks_to_guest)
{
	struct vmm v;
	VM_OPEN_IRQCHIP(&v);
	struct kvm_pit_config pc = { 0 };
	WANT_EQ(&v, "KVM_CREATE_PIT2", 0, ioctl(v.vm, KVM_CREATE_PIT2, &pc));
	VM_SLOT(&v, 0, 0, 0x10000);
	VM_LOAD(&v, "pit_irq", 0x1000);
	VM_REAL_MODE(&v, 0x1000);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf0, 1);
	WANT_EQ(&v, "ticks counted", 5, vmm_io_data(&v)[0]);
	vmm_close(&v);
}
END_TEST

static void on_alarm(int sig) { (void)sig; }

/* kvm_vcpu_block: HLT with IF clear waits in KVM_RUN (no KVM_EXIT_HLT);
 * a signal ends it with EINTR and KVM_EXIT_INTR. */
TEST(hlt_waits_until_signal)
{
	struct vmm v;
	VM_OPEN_IRQCHIP(&v);
	VM_SLOT(&v, 0, 0x1000, 0x10000);
	VM_LOAD(&v, "hlt_wait", 0x1000);
	VM_REAL_MODE(&v, 0x1000);
	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { .it_value = { 0, 100000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	int r = vmm_run_raw(&v);
	int e = errno;
	WANT_EQ(&v, "KVM_RUN result", -1, r);
	WANT_EQ(&v, "errno", EINTR, e);
	WANT_EXIT(&v, KVM_EXIT_INTR);
	struct kvm_mp_state mp;
	WANT_EQ(&v, "KVM_GET_MP_STATE", 0, ioctl(v.vcpu, KVM_GET_MP_STATE, &mp));
	WANT_EQ(&v, "mp_state", KVM_MP_STATE_HALTED, mp.mp_state);
	signal(SIGALRM, SIG_DFL);
	vmm_close(&v);
}
END_TEST

/* User-space irqchip (x86.c): request_interrupt_window exits
 * KVM_EXIT_IRQ_WINDOW_OPEN once IF is set; KVM_INTERRUPT injects. */
TEST(irq_window_userspace)
{
	struct vmm v;
	VM_LOW64K(&v, "irq_window");
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf0, 1);
	WANT_EQ(&v, "if_flag after cli", 0, v.run->if_flag);
	WANT_EQ(&v, "ready_for_interrupt_injection with IF clear", 0,
		v.run->ready_for_interrupt_injection);
	v.run->request_interrupt_window = 1;
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IRQ_WINDOW_OPEN);
	WANT_EQ(&v, "if_flag", 1, v.run->if_flag);
	WANT_EQ(&v, "ready_for_interrupt_injection", 1, v.run->ready_for_interrupt_injection);
	struct kvm_regs r;
	VM_GET_REGS(&v, &r);
	WANT_EQ(&v, "the spin loop ran out", 0, r.rcx);
	struct kvm_interrupt irq = { .irq = 256 };
	WANT_ERR(&v, "KVM_INTERRUPT 256", EINVAL, ioctl(v.vcpu, KVM_INTERRUPT, &irq));
	irq.irq = 0x30;
	WANT_EQ(&v, "KVM_INTERRUPT 0x30", 0, ioctl(v.vcpu, KVM_INTERRUPT, &irq));
	v.run->request_interrupt_window = 0;
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf1, 1);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf2, 1);
	WANT_EQ(&v, "the handler ran and returned", 0x55, vmm_io_data(&v)[0]);
	vmm_close(&v);
	VM_OPEN_IRQCHIP(&v);
	WANT_ERR(&v, "KVM_INTERRUPT with the in-kernel PIC", ENXIO, ioctl(v.vcpu, KVM_INTERRUPT, &irq));
	vmm_close(&v);
}
END_TEST

/* An OUT in STI's shadow: KVM completes it at the next KVM_RUN with
 * kvm_skip_emulated_instruction, which ends the shadow
 * (svm_set_interrupt_shadow(vcpu, 0)), so a requested window opens before
 * the next instruction (seen on the QEMU oracle: tests/kvmemu/diff m02). */
TEST(irq_window_after_shadowed_out)
{
	struct vmm v;
	VM_LOW64K(&v, "irq_window_out");
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf0, 1);
	WANT_EQ(&v, "if_flag after sti", 1, v.run->if_flag);
	WANT_EQ(&v, "ready_for_interrupt_injection in the shadow", 0,
		v.run->ready_for_interrupt_injection);
	v.run->request_interrupt_window = 1;
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_IRQ_WINDOW_OPEN);
	struct kvm_regs r;
	VM_GET_REGS(&v, &r);
	WANT_EQ(&v, "RIP where the window opens (the NOP after the OUT)", 0x1004, r.rip);
	vmm_close(&v);
}
END_TEST

/* The LAPIC timer (one-shot) and an IOAPIC-routed GSI reach a 32-bit
 * protected-mode guest through its IDT; the LAPIC's and IOAPIC's registers
 * are MMIO that never exits (lapic.c apic_mmio_*, ioapic.c ioapic_mmio_*). */
TEST(apic_interrupts_to_guest)
{
	struct vmm v;
	VM_OPEN_IRQCHIP(&v);
	VM_SLOT(&v, 0, 0, 0x10000);
	VM_LOAD(&v, "apic_irq", 0x1000);
	VM_REAL_MODE(&v, 0x1000);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf0, 1);
	WANT_EQ(&v, "the LAPIC timer's handler ran", 1, vmm_io_data(&v)[0]);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 4, 0xf1, 1);
	uint32_t ver;
	memcpy(&ver, vmm_io_data(&v), 4);
	WANT_EQ(&v, "LAPIC version read by the guest", 0x50014, ver & 0xff00ff);
	WANT_EQ(&v, "GSI 5 (IOAPIC pin 5 to APIC 0; PIC masked)", 1, raise_status(&v, 5, 1));
	raise_status(&v, 5, 0);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf2, 1);
	WANT_EQ(&v, "both handlers ran", 0x11, vmm_io_data(&v)[0]);
	vmm_close(&v);
}
END_TEST

/* KVM_NMI (kvm_vcpu_ioctl_nmi -> kvm_inject_nmi): vector 2 at the next
 * entry, IF clear or not. */
TEST(nmi_userspace)
{
	struct vmm v;
	VM_LOW64K(&v, "nmi");
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf0, 1);
	WANT_EQ(&v, "KVM_NMI", 0, ioctl(v.vcpu, KVM_NMI));
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf1, 1);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	vmm_close(&v);
}
END_TEST

/* NMI blocking (SDM vol. 3, 6.7.1): from an NMI's delivery to the next
 * IRET no NMI is taken; KVM holds a KVM_NMI asked meanwhile (nmi_allowed is
 * false while NMIs are masked) and injects it once the IRET completed, so
 * its handler runs again with the IRET's return address on the stack. */
TEST(nmi_blocked_until_iret)
{
	struct vmm v;
	VM_LOW64K(&v, "nmi_iret");
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf0, 1);
	WANT_EQ(&v, "KVM_NMI", 0, ioctl(v.vcpu, KVM_NMI));
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf1, 1);
	WANT_EQ(&v, "KVM_NMI in the handler", 0, ioctl(v.vcpu, KVM_NMI));
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf2, 1);     /* not nested */
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf1, 1);     /* after the IRET */
	uint16_t ret;
	struct kvm_regs r;
	VM_GET_REGS(&v, &r);
	memcpy(&ret, v.slot[0].hva + (r.rsp & 0xffff), 2);   /* SS base 0 */
	WANT_EQ(&v, "the second NMI's return address (the first's IRET target)", 0x1013, ret);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf2, 1);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf3, 1);
	vmm_close(&v);
}
END_TEST

/* KVM_GET_MP_STATE takes the pending INIT and SIPI first
 * (kvm_arch_vcpu_ioctl_get_mpstate -> kvm_apic_accept_events): an AP that
 * never ran is RUNNABLE at the SIPI's vector once the BSP sent both, so its
 * first KVM_RUN runs (no EAGAIN). */
TEST(smp_mp_state_takes_events)
{
	struct vmm v;
	VM_OPEN_IRQCHIP(&v);
	VM_SLOT(&v, 0, 0, 0x10000);
	VM_LOAD(&v, "smp_sipi", 0x1000);
	VM_REAL_MODE(&v, 0x1000);
	int ap = ioctl(v.vm, KVM_CREATE_VCPU, 1UL);
	if (ap < 0)
		FAIL(&v, "KVM_CREATE_VCPU 1: %s", strerror(errno));
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf0, 1);
	struct kvm_mp_state mp;
	WANT_EQ(&v, "KVM_GET_MP_STATE", 0, ioctl(ap, KVM_GET_MP_STATE, &mp));
	WANT_EQ(&v, "the AP after INIT and SIPI", KVM_MP_STATE_RUNNABLE, mp.mp_state);
	struct kvm_sregs s;
	WANT_EQ(&v, "KVM_GET_SREGS", 0, ioctl(ap, KVM_GET_SREGS, &s));
	WANT_EQ(&v, "the AP's CS (SIPI vector 3)", 0x300, s.cs.selector);
	close(ap);
	vmm_close(&v);
}
END_TEST

struct ap {
	int fd;
	struct kvm_run *run;
	int first, first_err, result, err;
	uint16_t cs, port2;
	uint64_t rdx;
};

/* The AP's KVM_RUNs, on its own thread as a VMM does it: the first returns
 * EAGAIN once the INIT woke it (kvm_arch_vcpu_ioctl_run,
 * KVM_MP_STATE_UNINITIALIZED; QEMU's kvm_cpu_exec runs again); then the
 * first exit (its CS), then the next (in the IPI's handler). */
static void *ap_thread(void *arg)
{
	struct ap *a = arg;
	a->first = ioctl(a->fd, KVM_RUN, 0);   /* EAGAIN once INIT woke it */
	a->first_err = errno;
	a->result = ioctl(a->fd, KVM_RUN, 0);
	a->err = errno;
	if (a->result != 0 || a->run->exit_reason != KVM_EXIT_IO || a->run->io.port != 0xf5)
		return NULL;
	memcpy(&a->cs, (uint8_t *)a->run + a->run->io.data_offset, 2);
	struct kvm_regs r;
	if (ioctl(a->fd, KVM_GET_REGS, &r) == 0)
		a->rdx = r.rdx;
	a->result = ioctl(a->fd, KVM_RUN, 0);
	a->err = errno;
	if (a->result == 0 && a->run->exit_reason == KVM_EXIT_IO)
		a->port2 = a->run->io.port;
	return NULL;
}

/* Two vCPUs, each KVM_RUN on its own thread: an AP waits in KVM_RUN
 * (KVM_MP_STATE_UNINITIALIZED) until the BSP's INIT and SIPI through the
 * ICR start it at vector << 12 (kvm_apic_accept_events,
 * kvm_vcpu_deliver_sipi_vector); memory is shared; an NMI IPI wakes the
 * halted AP (kvm_apic_send_ipi). */
TEST(smp_init_sipi)
{
	struct vmm v;
	VM_OPEN_IRQCHIP(&v);
	VM_SLOT(&v, 0, 0, 0x10000);
	VM_LOAD(&v, "smp", 0x1000);
	VM_REAL_MODE(&v, 0x1000);
	struct ap a = { .fd = ioctl(v.vm, KVM_CREATE_VCPU, 1UL) };
	if (a.fd < 0)
		FAIL(&v, "KVM_CREATE_VCPU 1: %s", strerror(errno));
	a.run = mmap(NULL, v.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, a.fd, 0);
	WANT_EQ(&v, "mmap of the AP's kvm_run", 0, a.run == MAP_FAILED);
	/* INIT sets RDX to CPUID.1:EAX (kvm_vcpu_reset) */
	struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[1]; } id = {
		.c.nent = 1, .e[0] = { .function = 1, .eax = 0x60fb1 } };
	WANT_EQ(&v, "KVM_SET_CPUID2 on the AP", 0, ioctl(a.fd, KVM_SET_CPUID2, &id));
	struct kvm_mp_state mp;
	ioctl(a.fd, KVM_GET_MP_STATE, &mp);
	WANT_EQ(&v, "AP before INIT/SIPI", KVM_MP_STATE_UNINITIALIZED, mp.mp_state);
	pthread_t t;
	pthread_create(&t, NULL, ap_thread, &a);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0xf0, 1);
	WANT_EQ(&v, "the AP's mark, seen by the BSP", 0x55, vmm_io_data(&v)[0]);
	pthread_join(t, NULL);
	WANT_EQ(&v, "the AP's first KVM_RUN (result)", -1, a.first);
	WANT_EQ(&v, "the AP's first KVM_RUN (errno)", EAGAIN, a.first_err);
	WANT_EQ(&v, "the AP's KVM_RUNs", 0, a.result);
	WANT_EQ(&v, "the AP's CS at its first exit (SIPI vector 2)", 0x200, a.cs);
	WANT_EQ(&v, "the AP's RDX after INIT (its CPUID.1:EAX)", 0x60fb1, a.rdx);
	WANT_EQ(&v, "the AP's second exit: in the NMI's handler", 0xf6, a.port2);
	ioctl(a.fd, KVM_GET_MP_STATE, &mp);
	WANT_EQ(&v, "AP after SIPI", KVM_MP_STATE_RUNNABLE, mp.mp_state);
	munmap(a.run, v.run_size);
	close(a.fd);
	vmm_close(&v);
}
END_TEST
