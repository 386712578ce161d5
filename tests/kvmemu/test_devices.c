/* test_devices.c - kvmemu's interrupt devices as state machines (irqchip.h):
 * the 8259A pair, the IOAPIC, the local APIC and the 8254, linked alone
 * (check_devices), time passed in as nanoseconds. Each test states the
 * upstream behaviour it checks (arch/x86/kvm/i8259.c, ioapic.c, lapic.c,
 * i8254.c); there is no /dev/kvm to compare with here, and real KVM doesn't
 * expose these devices' internals except through KVM_GET_IRQCHIP & co. */
#include "check_decl.h"
#include "irqchip.h"

#include <string.h>

CHECK_SUITE("devices", "devices", NULL, NULL, 0);

#define EQ(what, want, got) do { \
		unsigned long long w_ = (unsigned long long)(want), g_ = (unsigned long long)(got); \
		ck_assert_msg(w_ == g_, "%s: expected 0x%llx, got 0x%llx", (what), w_, g_); \
	} while (0)

/* A VM around the devices: what they did, recorded. */
static struct rec {
	int outputs, output;            /* PIC INT changes, last level */
	int acked, acked_chip, acked_pin;
	int msgs;
	struct irq_msg msg;
	int to_apic_ret;
	int sends;
	struct irq_msg sent;
	int eois, eoi_vec;
	bool eoi_level;
	uint64_t tsc_per_ns;            /* guest TSC = ns * this */
	int irq0s;
} R;

static void rec_output(void *o, bool level) { (void)o; R.outputs++; R.output = level; }
static void rec_acked(void *o, int chip, int pin)
{
	(void)o;
	R.acked++;
	R.acked_chip = chip;
	R.acked_pin = pin;
}
static int rec_to_apic(void *o, const struct irq_msg *m) { (void)o; R.msgs++; R.msg = *m; return R.to_apic_ret; }
static const struct irq_bus bus = { NULL, rec_output, NULL, rec_acked, rec_to_apic };

static uint64_t rec_tsc(void *o, uint64_t ns) { (void)o; return ns * R.tsc_per_ns; }
static uint64_t rec_tsc_ns(void *o, uint64_t tsc) { (void)o; return tsc / R.tsc_per_ns; }
static void rec_send(void *o, struct lapic *from, const struct irq_msg *m)
{
	(void)o; (void)from;
	R.sends++;
	R.sent = *m;
}
static void rec_eoi(void *o, int vec, bool level) { (void)o; R.eois++; R.eoi_vec = vec; R.eoi_level = level; }
static const struct lapic_ops ops = { rec_tsc, rec_tsc_ns, rec_send, rec_eoi };
static void rec_irq0(void *o) { (void)o; R.irq0s++; }

static void reset_rec(void)
{
	memset(&R, 0, sizeof R);
	R.to_apic_ret = 1;
	R.tsc_per_ns = 2;
}

/* ---- 8259A ---- */

/* Linux's init_8259A: master vectors 0x30, slave 0x38, slave on pin 2. */
static void pic_setup(struct pic *p)
{
	reset_rec();
	pic_init(p, &bus);
	static const uint8_t m[] = { 0x11, 0x30, 0x04, 0x01 }, s[] = { 0x11, 0x38, 0x02, 0x01 };
	pic_write(p, 0x20, m[0]);
	for (int i = 1; i < 4; i++)
		pic_write(p, 0x21, m[i]);
	pic_write(p, 0xa0, s[0]);
	for (int i = 1; i < 4; i++)
		pic_write(p, 0xa1, s[i]);
}

TEST(pic_icw_sets_vector_base)
{
	struct pic p;
	pic_setup(&p);
	EQ("master irq_base", 0x30, p.s[0].irq_base);
	EQ("slave irq_base", 0x38, p.s[1].irq_base);
	EQ("master init_state after ICW4", 0, p.s[0].init_state);
	EQ("pic_set_irq(0) of a new edge", 1, pic_set_irq(&p, 0, IRQ_SRC_USER, 1));
	EQ("INT output", 1, R.output);
	EQ("vector at INTA", 0x30, pic_read_irq(&p));
	EQ("ISR after INTA", 0x01, p.s[0].isr);
	EQ("IRR after INTA (edge)", 0x00, p.s[0].irr);
	EQ("INT output after INTA", 0, R.output);
}
END_TEST

/* pic_set_irq1: an edge pin holds one request per rising edge. */
TEST(pic_edge_needs_a_new_edge)
{
	struct pic p;
	pic_setup(&p);
	pic_set_irq(&p, 1, IRQ_SRC_USER, 1);
	EQ("vector", 0x31, pic_read_irq(&p));
	pic_write(&p, 0x20, 0x20);           /* EOI */
	EQ("line still high: no new request", 1, pic_set_irq(&p, 1, IRQ_SRC_USER, 1));
	EQ("IRR", 0, p.s[0].irr);
	pic_set_irq(&p, 1, IRQ_SRC_USER, 0);
	EQ("a new edge", 1, pic_set_irq(&p, 1, IRQ_SRC_USER, 1));
	EQ("IRR", 0x02, p.s[0].irr);
	EQ("same edge twice while pending: coalesced", 0,
	   (pic_set_irq(&p, 1, IRQ_SRC_USER, 0), pic_set_irq(&p, 1, IRQ_SRC_USER, 1)));
}
END_TEST

TEST(pic_masked_pin_reports_minus_one)
{
	struct pic p;
	pic_setup(&p);
	pic_write(&p, 0x21, 0x08);           /* OCW1: mask IRQ 3 */
	EQ("pic_set_irq on a masked pin", (unsigned long long)-1, pic_set_irq(&p, 3, IRQ_SRC_USER, 1));
	EQ("IRR keeps the request", 0x08, p.s[0].irr);
	EQ("INT output", 0, R.output);
	pic_write(&p, 0x21, 0x00);
	EQ("INT output after unmasking", 1, R.output);
	EQ("IMR reads at 0x21", 0, pic_read(&p, 0x21));
}
END_TEST

/* A request of lower priority than the one in service waits for its EOI. */
TEST(pic_priority_and_nonspecific_eoi)
{
	struct pic p;
	pic_setup(&p);
	pic_set_irq(&p, 3, IRQ_SRC_USER, 1);
	EQ("vector", 0x33, pic_read_irq(&p));
	pic_set_irq(&p, 5, IRQ_SRC_USER, 1);
	EQ("IRQ 5 while 3 in service: no INT", 0, R.output);
	pic_set_irq(&p, 1, IRQ_SRC_USER, 1);
	EQ("IRQ 1 nests above 3", 1, R.output);
	EQ("vector", 0x31, pic_read_irq(&p));
	pic_write(&p, 0x20, 0x20);           /* ends IRQ 1, the highest in service */
	EQ("ISR after one EOI", 0x08, p.s[0].isr);
	EQ("INT still low (3 in service)", 0, R.output);
	pic_write(&p, 0x20, 0x20);
	EQ("INT after the second EOI", 1, R.output);
	EQ("vector", 0x35, pic_read_irq(&p));
}
END_TEST

TEST(pic_specific_eoi)
{
	struct pic p;
	pic_setup(&p);
	pic_set_irq(&p, 4, IRQ_SRC_USER, 1);
	pic_read_irq(&p);
	pic_write(&p, 0x20, 0x60 | 4);
	EQ("ISR after specific EOI of 4", 0, p.s[0].isr);
	EQ("ack notifier: pin", 4, R.acked_pin);
}
END_TEST

/* kvm_pic_read_irq: the slave's request comes through master pin 2. */
TEST(pic_cascade_through_pin_2)
{
	struct pic p;
	pic_setup(&p);
	pic_set_irq(&p, 12, IRQ_SRC_USER, 1);
	EQ("master IRR bit 2", 0x04, p.s[0].irr);
	EQ("INT", 1, R.output);
	EQ("vector", 0x3c, pic_read_irq(&p));
	EQ("master ISR", 0x04, p.s[0].isr);
	EQ("slave ISR", 0x10, p.s[1].isr);
	pic_write(&p, 0xa0, 0x20);
	EQ("ack notifier: chip", KVM_IRQCHIP_PIC_SLAVE, R.acked_chip);
	EQ("ack notifier: pin (0-15)", 12, R.acked_pin);
	pic_write(&p, 0x20, 0x20);
	EQ("ISRs after both EOIs", 0, p.s[0].isr | p.s[1].isr);
}
END_TEST

/* ELCR: a level pin stays in IRR until the line drops. */
TEST(pic_level_pin_per_elcr)
{
	struct pic p;
	pic_setup(&p);
	pic_write(&p, 0x4d1, 0x04);          /* IRQ 10 level-triggered */
	pic_set_irq(&p, 10, IRQ_SRC_USER, 1);
	EQ("vector", 0x3a, pic_read_irq(&p));
	EQ("slave IRR keeps the level request", 0x04, p.s[1].irr);
	pic_set_irq(&p, 10, IRQ_SRC_USER, 0);
	EQ("slave IRR after the line drops", 0, p.s[1].irr);
}
END_TEST

/* kvm_create_pic: ELCR masks 0xf8 (master) and 0xde (slave). */
TEST(pic_elcr_masks)
{
	struct pic p;
	pic_setup(&p);
	pic_write(&p, 0x4d0, 0xff);
	pic_write(&p, 0x4d1, 0xff);
	EQ("ELCR master", 0xf8, pic_read(&p, 0x4d0));
	EQ("ELCR slave", 0xde, pic_read(&p, 0x4d1));
}
END_TEST

TEST(pic_auto_eoi)
{
	struct pic p;
	pic_setup(&p);
	pic_write(&p, 0x20, 0x11);
	pic_write(&p, 0x21, 0x30);
	pic_write(&p, 0x21, 0x04);
	pic_write(&p, 0x21, 0x03);           /* ICW4: 8086, AEOI */
	pic_set_irq(&p, 6, IRQ_SRC_USER, 1);
	EQ("vector", 0x36, pic_read_irq(&p));
	EQ("ISR with auto-EOI", 0, p.s[0].isr);
	EQ("ack notifier called at INTA", 1, R.acked);
}
END_TEST

TEST(pic_ocw3_selects_irr_or_isr)
{
	struct pic p;
	pic_setup(&p);
	pic_set_irq(&p, 2, IRQ_SRC_USER, 1);
	pic_read_irq(&p);                    /* ISR bit 2 (spurious slave: vector 0x3f) */
	pic_set_irq(&p, 7, IRQ_SRC_USER, 1);
	pic_write(&p, 0x20, 0x0a);
	EQ("IRR via OCW3 0x0a", 0x80, pic_read(&p, 0x20));
	pic_write(&p, 0x20, 0x0b);
	EQ("ISR via OCW3 0x0b", 0x04, pic_read(&p, 0x20));
}
END_TEST

/* OCW3 poll: the read is the pin, acknowledged and ended at once. */
TEST(pic_poll_mode)
{
	struct pic p;
	pic_setup(&p);
	pic_set_irq(&p, 5, IRQ_SRC_USER, 1);
	pic_write(&p, 0x20, 0x0c);
	EQ("poll read", 5, pic_read(&p, 0x20));
	EQ("IRR, ISR after the poll", 0, p.s[0].irr | p.s[0].isr);
	pic_write(&p, 0x20, 0x0c);
	EQ("poll with nothing pending", 7, pic_read(&p, 0x20));
}
END_TEST

TEST(pic_spurious_irq7)
{
	struct pic p;
	pic_setup(&p);
	EQ("INTA with nothing pending", 0x37, pic_read_irq(&p));
	EQ("no ISR bit for a spurious IRQ", 0, p.s[0].isr);
}
END_TEST

/* Rotate on non-specific EOI (OCW2 0xa0): the ended pin gets lowest priority. */
TEST(pic_rotation)
{
	struct pic p;
	pic_setup(&p);
	pic_set_irq(&p, 0, IRQ_SRC_USER, 1);
	pic_read_irq(&p);
	pic_write(&p, 0x20, 0xa0);
	EQ("priority_add after rotate of IRQ 0", 1, p.s[0].priority_add);
	pic_set_irq(&p, 0, IRQ_SRC_USER, 0);
	pic_set_irq(&p, 0, IRQ_SRC_USER, 1);
	pic_set_irq(&p, 4, IRQ_SRC_USER, 1);
	EQ("IRQ 4 now wins over IRQ 0", 0x34, pic_read_irq(&p));
}
END_TEST

/* __kvm_irq_line_state: the line is the OR of its sources. */
TEST(pic_line_is_or_of_sources)
{
	struct pic p;
	pic_setup(&p);
	pic_write(&p, 0x4d0, 0x20);          /* IRQ 5 level */
	pic_set_irq(&p, 5, IRQ_SRC_USER, 1);
	pic_set_irq(&p, 5, IRQ_SRC_PIT, 1);
	pic_set_irq(&p, 5, IRQ_SRC_USER, 0);
	EQ("IRR while one source holds the line", 0x20, p.s[0].irr);
	pic_set_irq(&p, 5, IRQ_SRC_PIT, 0);
	EQ("IRR once every source let go", 0, p.s[0].irr);
}
END_TEST

/* ICW1 drops pending edge requests (kept: level ones). */
TEST(pic_icw1_drops_edges)
{
	struct pic p;
	pic_setup(&p);
	pic_write(&p, 0x21, 0xff);
	pic_set_irq(&p, 3, IRQ_SRC_USER, 1);
	pic_write(&p, 0x20, 0x11);
	EQ("IRR after ICW1", 0, p.s[0].irr);
	EQ("IMR after ICW1", 0, p.s[0].imr);
	EQ("init_state", 1, p.s[0].init_state);
}
END_TEST

/* ---- IOAPIC ---- */

static uint32_t io_rd(struct ioapic *io, uint32_t sel)
{
	ioapic_write(io, IOAPIC_BASE, 4, sel);
	return (uint32_t)ioapic_read(io, IOAPIC_BASE + 0x10, 4);
}

static void io_wr(struct ioapic *io, uint32_t sel, uint32_t val)
{
	ioapic_write(io, IOAPIC_BASE, 4, sel);
	ioapic_write(io, IOAPIC_BASE + 0x10, 4, val);
}

static void io_setup(struct ioapic *io)
{
	reset_rec();
	ioapic_init(io, &bus);
}

TEST(ioapic_reset_state)
{
	struct ioapic io;
	io_setup(&io);
	EQ("version register", 0x170011, io_rd(&io, 1));
	EQ("redirection entry 5 low (masked)", 0x10000, io_rd(&io, 0x10 + 2 * 5));
	EQ("a masked pin", (unsigned long long)-1, ioapic_set_irq(&io, 5, IRQ_SRC_USER, 1));
	EQ("no message", 0, R.msgs);
	EQ("IRR keeps it", 1u << 5, io.s.irr);
	EQ("past the last entry", 0xffffffffu, io_rd(&io, 0x10 + 2 * 24));
	EQ("base", IOAPIC_BASE, io.s.base_address);
}
END_TEST

TEST(ioapic_edge_pin_sends_its_entry)
{
	struct ioapic io;
	io_setup(&io);
	io_wr(&io, 0x10 + 2 * 4 + 1, 0x03000000);  /* dest 3 */
	io_wr(&io, 0x10 + 2 * 4, 0x0934);          /* vector 0x34, lowest priority, physical */
	EQ("raise", 1, ioapic_set_irq(&io, 4, IRQ_SRC_USER, 1));
	EQ("messages", 1, R.msgs);
	EQ("vector", 0x34, R.msg.vector);
	EQ("delivery", 1, R.msg.delivery);
	EQ("dest", 3, R.msg.dest);
	EQ("edge", 0, R.msg.level_trig);
	EQ("held high again: coalesced", 0, ioapic_set_irq(&io, 4, IRQ_SRC_USER, 1));
	EQ("lowering", 1, ioapic_set_irq(&io, 4, IRQ_SRC_USER, 0));
	EQ("a new edge", 1, ioapic_set_irq(&io, 4, IRQ_SRC_USER, 1));
	EQ("messages", 2, R.msgs);
}
END_TEST

/* Level pins: remote IRR until the EOI; still asserted, it fires again. */
TEST(ioapic_level_remote_irr_and_eoi)
{
	struct ioapic io;
	io_setup(&io);
	io_wr(&io, 0x10 + 2 * 9, 0x8041);          /* vector 0x41, level */
	ioapic_set_irq(&io, 9, IRQ_SRC_USER, 1);
	EQ("remote IRR", 1, (io_rd(&io, 0x10 + 2 * 9) >> 14) & 1);
	EQ("raise while remote IRR: -1", (unsigned long long)-1, ioapic_set_irq(&io, 9, IRQ_SRC_USER, 1));
	EQ("messages", 1, R.msgs);
	ioapic_eoi(&io, 0x41, true);
	EQ("EOI with the line high sends again", 2, R.msgs);
	ioapic_set_irq(&io, 9, IRQ_SRC_USER, 0);
	ioapic_eoi(&io, 0x41, true);
	EQ("remote IRR after EOI, line low", 0, (io_rd(&io, 0x10 + 2 * 9) >> 14) & 1);
	EQ("messages", 2, R.msgs);
	EQ("ack notifier pin", 9, R.acked_pin);
}
END_TEST

/* ioapic_write_indirect: remote IRR and delivery status are read-only. */
TEST(ioapic_read_only_bits)
{
	struct ioapic io;
	io_setup(&io);
	io_wr(&io, 0x10, 0x5020 | 0x10000);
	EQ("entry 0 low", 0x10020, io_rd(&io, 0x10));
	io_wr(&io, 1, 0xffffffff);
	EQ("version ignores writes", 0x170011, io_rd(&io, 1));
	io_wr(&io, 0, 0xff000000);
	EQ("ID keeps 4 bits", 0x0f000000, io_rd(&io, 0));
}
END_TEST

/* Unmasking a level pin whose line is high delivers it. */
TEST(ioapic_unmask_delivers_pending_level)
{
	struct ioapic io;
	io_setup(&io);
	io_wr(&io, 0x10 + 2 * 3, 0x18033);         /* masked, level, vector 0x33 */
	ioapic_set_irq(&io, 3, IRQ_SRC_USER, 1);
	EQ("masked: no message", 0, R.msgs);
	io_wr(&io, 0x10 + 2 * 3, 0x8033);
	EQ("unmasked: one message", 1, R.msgs);
}
END_TEST

/* kvm_set_ioapic: IRR given is raised again through the table. */
TEST(ioapic_set_state_reinjects)
{
	struct ioapic io;
	io_setup(&io);
	struct kvm_ioapic_state s = io.s;
	s.redirtbl[7].bits = 0x8047;
	s.irr = 1u << 7;
	ioapic_set_state(&io, &s);
	EQ("messages", 1, R.msgs);
	EQ("vector", 0x47, R.msg.vector);
	EQ("IRR", 1u << 7, io.s.irr);
}
END_TEST

TEST(ioapic_no_destination)
{
	struct ioapic io;
	io_setup(&io);
	R.to_apic_ret = -1;
	io_wr(&io, 0x10 + 2 * 2, 0x8030);
	EQ("level pin, no APIC took it", (unsigned long long)-1, ioapic_set_irq(&io, 2, IRQ_SRC_USER, 1));
	EQ("remote IRR not set", 0, (io_rd(&io, 0x10 + 2 * 2) >> 14) & 1);
}
END_TEST

/* ---- local APIC ---- */

enum { ID = 0x20, LVR = 0x30, TPR = 0x80, PPR = 0xa0, EOIR = 0xb0, LDR = 0xd0, DFR = 0xe0,
       SPIV = 0xf0, ISR = 0x100, TMR = 0x180, IRR = 0x200, ICR = 0x300, ICR2 = 0x310,
       LVTT = 0x320, LVT0 = 0x350, LVT1 = 0x360, TMICT = 0x380, TMCCT = 0x390, TDCR = 0x3e0 };

static void apic_setup(struct lapic *a, int id)
{
	reset_rec();
	lapic_init(a, id, &ops, NULL);
	lapic_mmio_write(a, SPIV, 0x1ff, 0);   /* software-enabled */
}

static struct irq_msg fixed(int vec)
{
	return (struct irq_msg){ .vector = vec, .assert = true };
}

/* kvm_lapic_reset with the LINT0_REENABLED quirk. */
TEST(lapic_reset_state)
{
	struct lapic a, b;
	reset_rec();
	lapic_init(&a, 0, &ops, NULL);
	lapic_init(&b, 1, &ops, NULL);
	EQ("BSP base MSR", 0xfee00900, a.base);
	EQ("AP base MSR", 0xfee00800, b.base);
	EQ("AP ID", 0x01000000, lapic_mmio_read(&b, ID, 0));
	EQ("version", 0x50014, lapic_mmio_read(&a, LVR, 0));
	EQ("SPIV", 0xff, lapic_mmio_read(&a, SPIV, 0));
	EQ("DFR", 0xffffffff, lapic_mmio_read(&a, DFR, 0));
	EQ("LVTT masked", 0x10000, lapic_mmio_read(&a, LVTT, 0));
	EQ("BSP LVT0: ExtINT unmasked", 0x700, lapic_mmio_read(&a, LVT0, 0));
	EQ("AP LVT0 masked", 0x10000, lapic_mmio_read(&b, LVT0, 0));
	EQ("BSP takes the PIC", 1, lapic_accepts_pic(&a));
	EQ("AP doesn't", 0, lapic_accepts_pic(&b));
}
END_TEST

/* __apic_accept_irq: a software-disabled APIC drops fixed interrupts. */
TEST(lapic_sw_disabled_drops_fixed)
{
	struct lapic a;
	reset_rec();
	lapic_init(&a, 0, &ops, NULL);
	struct irq_msg m = fixed(0x40);
	EQ("accepted while SPIV.8 clear", 0, lapic_accept(&a, &m));
	lapic_mmio_write(&a, SPIV, 0x100, 0);
	EQ("accepted once enabled", 1, lapic_accept(&a, &m));
	EQ("IRR word 2", 1, lapic_mmio_read(&a, IRR + 0x20, 0));
}
END_TEST

TEST(lapic_irr_isr_eoi_order)
{
	struct lapic a;
	apic_setup(&a, 0);
	struct irq_msg m1 = fixed(0x41), m2 = fixed(0x52);
	lapic_accept(&a, &m1);
	lapic_accept(&a, &m2);
	EQ("highest first", 0x52, lapic_ack(&a));
	EQ("PPR while 0x52 in service", 0x50, lapic_mmio_read(&a, PPR, 0));
	EQ("0x41 blocked by PPR", (unsigned long long)-1, lapic_has_interrupt(&a));
	lapic_mmio_write(&a, EOIR, 0, 0);
	EQ("EOI broadcast", 1, R.eois);
	EQ("EOI vector", 0x52, R.eoi_vec);
	EQ("edge EOI", 0, R.eoi_level);
	EQ("then 0x41", 0x41, lapic_ack(&a));
	EQ("ISR word 2", 1u << 1, lapic_mmio_read(&a, ISR + 0x20, 0));
}
END_TEST

TEST(lapic_tpr_blocks_its_class)
{
	struct lapic a;
	apic_setup(&a, 0);
	lapic_mmio_write(&a, TPR, 0x55, 0);
	struct irq_msg m = fixed(0x5f);
	lapic_accept(&a, &m);
	EQ("0x5f under TPR 0x55", (unsigned long long)-1, lapic_has_interrupt(&a));
	EQ("PPR", 0x55, lapic_mmio_read(&a, PPR, 0));
	lapic_set_cr8(&a, 4);
	EQ("TPR from CR8 4", 0x40, lapic_mmio_read(&a, TPR, 0));
	EQ("CR8", 4, lapic_get_cr8(&a));
	EQ("0x5f under TPR 0x40", 0x5f, lapic_has_interrupt(&a));
}
END_TEST

/* A level vector sets TMR; its EOI goes to the IOAPIC as level. */
TEST(lapic_level_eoi_broadcast)
{
	struct lapic a;
	apic_setup(&a, 0);
	struct irq_msg m = fixed(0x61);
	m.level_trig = true;
	lapic_accept(&a, &m);
	EQ("TMR word 3", 1u << 1, lapic_mmio_read(&a, TMR + 0x30, 0));
	lapic_ack(&a);
	lapic_mmio_write(&a, EOIR, 0, 0);
	EQ("level EOI", 1, R.eoi_level);
	m.assert = false;
	EQ("level de-assert of a fixed IRQ", 0, lapic_accept(&a, &m));
}
END_TEST

/* One-shot: TMICT * divide ns on a 1 GHz bus; TMCCT counts down to 0. */
TEST(lapic_timer_oneshot)
{
	struct lapic a;
	apic_setup(&a, 0);
	lapic_mmio_write(&a, TDCR, 0xb, 0);      /* divide by 1 */
	lapic_mmio_write(&a, LVTT, 0x30, 0);
	lapic_mmio_write(&a, TMICT, 1000, 100);
	EQ("next deadline", 1100, lapic_timer_poll(&a, 600));
	EQ("TMCCT half-way", 500, lapic_mmio_read(&a, TMCCT, 600));
	EQ("IRR before expiry", 0, lapic_mmio_read(&a, IRR + 0x10, 600));
	EQ("after expiry: no next deadline", 0, lapic_timer_poll(&a, 1100));
	EQ("IRR word 1 (vector 0x30)", 1u << 16, lapic_mmio_read(&a, IRR + 0x10, 1100));
	EQ("TMCCT after expiry", 0, lapic_mmio_read(&a, TMCCT, 1200));
	EQ("TMICT kept", 1000, lapic_mmio_read(&a, TMICT, 1200));
}
END_TEST

/* update_divide_count: TDCR 0 divides by 2, 0xa by 128. */
TEST(lapic_timer_divide)
{
	struct lapic a;
	apic_setup(&a, 0);
	lapic_mmio_write(&a, LVTT, 0x30, 0);
	lapic_mmio_write(&a, TMICT, 100, 0);
	EQ("deadline with divide 2", 200, lapic_timer_poll(&a, 0));
	lapic_mmio_write(&a, TDCR, 0xa, 0);
	lapic_mmio_write(&a, TMICT, 100, 0);
	EQ("deadline with divide 128", 12800, lapic_timer_poll(&a, 0));
	EQ("TMCCT", 50, lapic_mmio_read(&a, TMCCT, 6400));
}
END_TEST

/* Periodic, with KVM's 200 µs floor (limit_periodic_timer_frequency). */
TEST(lapic_timer_periodic)
{
	struct lapic a;
	apic_setup(&a, 0);
	lapic_mmio_write(&a, TDCR, 0xb, 0);
	lapic_mmio_write(&a, LVTT, 0x20031, 0);
	lapic_mmio_write(&a, TMICT, 10, 0);
	EQ("first tick at the floor", 200000, lapic_timer_poll(&a, 0));
	EQ("after the first tick", 400000, lapic_timer_poll(&a, 200000));
	lapic_ack(&a);
	lapic_mmio_write(&a, EOIR, 0, 0);
	EQ("missed ticks coalesce", 1200000, lapic_timer_poll(&a, 1000000));
	EQ("one pending", 0x31, lapic_ack(&a));
	EQ("no second", (unsigned long long)-1, lapic_ack(&a));
}
END_TEST

TEST(lapic_timer_masked_lvt_drops_tick)
{
	struct lapic a;
	apic_setup(&a, 0);
	lapic_mmio_write(&a, TDCR, 0xb, 0);
	lapic_mmio_write(&a, LVTT, 0x10030, 0);
	lapic_mmio_write(&a, TMICT, 10, 0);
	lapic_timer_poll(&a, 10);
	EQ("masked: nothing in IRR", (unsigned long long)-1, lapic_has_interrupt(&a));
}
END_TEST

/* TSC-deadline: TMICT ignored; fires when the TSC reaches the MSR, which reads 0 then. */
TEST(lapic_timer_tsc_deadline)
{
	struct lapic a;
	apic_setup(&a, 0);
	a.tsc_deadline_ok = true;
	lapic_mmio_write(&a, LVTT, 0x40032, 0);
	lapic_mmio_write(&a, TMICT, 5, 0);
	EQ("TMICT ignored", 0, lapic_mmio_read(&a, TMICT, 0));
	lapic_set_tsc_deadline(&a, 1000, 0);   /* TSC = 2 * ns here */
	EQ("deadline MSR", 1000, lapic_tsc_deadline(&a));
	EQ("due at 500 ns", 500, lapic_timer_poll(&a, 100));
	lapic_timer_poll(&a, 500);
	EQ("vector", 0x32, lapic_ack(&a));
	EQ("deadline MSR after expiry", 0, lapic_tsc_deadline(&a));
	lapic_set_tsc_deadline(&a, 10, 1000);
	EQ("a deadline in the past fires at once", 1000, lapic_timer_poll(&a, 999) );
}
END_TEST

/* Without the CPUID bit, the TSC-deadline mode bit can't be set. */
TEST(lapic_timer_mode_mask)
{
	struct lapic a;
	apic_setup(&a, 0);
	lapic_mmio_write(&a, LVTT, 0x60030, 0);
	EQ("LVTT", 0x20030, lapic_mmio_read(&a, LVTT, 0));
	lapic_set_tsc_deadline(&a, 10, 0);
	EQ("deadline MSR outside TSC-deadline mode", 0, lapic_tsc_deadline(&a));
}
END_TEST

/* kvm_apic_send_ipi: ICR2's destination, the ICR's vector and mode. */
TEST(lapic_icr_sends)
{
	struct lapic a;
	apic_setup(&a, 0);
	lapic_mmio_write(&a, ICR2, 0x02ffffff, 0);
	EQ("ICR2 keeps bits 31:24", 0x02000000, lapic_mmio_read(&a, ICR2, 0));
	lapic_mmio_write(&a, ICR, 0x5041 | 0x1000, 0);
	EQ("sends", 1, R.sends);
	EQ("vector", 0x41, R.sent.vector);
	EQ("dest", 2, R.sent.dest);
	EQ("assert", 1, R.sent.assert);
	EQ("delivery status reads idle", 0x4041, lapic_mmio_read(&a, ICR, 0));
	lapic_mmio_write(&a, ICR, 0xc4500, 0);     /* INIT, all excluding self */
	EQ("INIT delivery", 5, R.sent.delivery);
	EQ("shorthand", 3, R.sent.shorthand);
}
END_TEST

TEST(lapic_init_and_sipi)
{
	struct lapic a;
	apic_setup(&a, 1);
	struct irq_msg init = { .delivery = 5, .assert = true }, sipi = { .delivery = 6, .vector = 0x9a };
	EQ("INIT accepted", 1, lapic_accept(&a, &init));
	EQ("pending INIT", LAPIC_INIT, a.pending_events);
	init.assert = false;
	init.level_trig = true;
	EQ("INIT level de-assert ignored", 0, lapic_accept(&a, &init));
	lapic_accept(&a, &sipi);
	EQ("pending SIPI too", LAPIC_INIT | LAPIC_SIPI, a.pending_events);
	EQ("SIPI vector", 0x9a, a.sipi_vector);
	struct irq_msg nmi = { .delivery = 4 };
	lapic_accept(&a, &nmi);
	EQ("NMI pending", 1, a.nmi_pending);
}
END_TEST

/* kvm_apic_match_physical_addr/_logical_addr (flat and cluster). */
TEST(lapic_destinations)
{
	struct lapic a, b;
	apic_setup(&a, 0);
	lapic_init(&b, 3, &ops, NULL);
	struct irq_msg m = { .dest = 3 };
	EQ("physical 3 -> apic 3", 1, lapic_match_dest(&b, &a, &m));
	EQ("physical 3 -> apic 0", 0, lapic_match_dest(&a, &a, &m));
	m.dest = 0xff;
	EQ("physical broadcast", 1, lapic_match_dest(&a, &a, &m));
	lapic_mmio_write(&b, LDR, 0x0c000000, 0);
	m = (struct irq_msg){ .dest = 0x04, .logical = true };
	EQ("flat logical 0x04 & 0x0c", 1, lapic_match_dest(&b, &a, &m));
	lapic_mmio_write(&b, DFR, 0x0fffffff, 0);  /* cluster model */
	m.dest = 0x14;
	EQ("cluster 1 vs LDR cluster 0", 0, lapic_match_dest(&b, &a, &m));
	m.dest = 0x04;
	EQ("cluster 0, bit 2", 1, lapic_match_dest(&b, &a, &m));
	m = (struct irq_msg){ .shorthand = 3 };
	EQ("all but self: self", 0, lapic_match_dest(&a, &a, &m));
	EQ("all but self: other", 1, lapic_match_dest(&b, &a, &m));
}
END_TEST

/* x2APIC: MSRs 0x800+, a 32-bit ID, LDR from it, 64-bit ICR, MMIO gone. */
TEST(lapic_x2apic_msrs)
{
	struct lapic a;
	apic_setup(&a, 0x21);
	uint64_t v = 0;
	EQ("MSR read in xAPIC mode", 1, lapic_msr_read(&a, 0x802, &v, 0));
	EQ("enable x2APIC", 1, lapic_set_base(&a, 0xfee00c00, false));
	EQ("ID MSR", 0, lapic_msr_read(&a, 0x802, &v, 0));
	EQ("x2APIC ID", 0x21, v);
	lapic_msr_read(&a, 0x80d, &v, 0);
	EQ("LDR: cluster 2, bit 1", 0x20002, v);
	EQ("ID MSR is read-only", 1, lapic_msr_write(&a, 0x802, 5, 0));
	EQ("ICR2 MSR doesn't exist", 1, lapic_msr_read(&a, 0x831, &v, 0));
	EQ("reserved high bits", 1, lapic_msr_write(&a, 0x808, 1ull << 32, 0));
	EQ("EOI of nonzero", 1, lapic_msr_write(&a, 0x80b, 1, 0));
	EQ("ICR write", 0, lapic_msr_write(&a, 0x830, (0x1234ull << 32) | 0x4055, 0));
	EQ("dest: all 32 bits", 0x1234, R.sent.dest);
	lapic_msr_read(&a, 0x830, &v, 0);
	EQ("ICR reads 64 bits", (0x1234ull << 32) | 0x4055, v);
	EQ("MMIO reads ones in x2APIC mode", 0xffffffff, lapic_mmio_read(&a, ID, 0));
	EQ("self IPI", 0, lapic_msr_write(&a, 0x83f, 0x66, 0));
	EQ("self IPI shorthand", 1, R.sent.shorthand);
	EQ("back to xAPIC by the guest", 0, lapic_set_base(&a, 0xfee00800, false));
	EQ("reserved base bits", 0, lapic_set_base(&a, 0xfee00c01, true));
}
END_TEST

/* kvm_apic_set_state calls apic_update_lvtt: a state whose LVTT enters or
 * leaves TSC-deadline mode has its TMICT cleared, no timer started. */
TEST(lapic_set_state_timer_mode_change)
{
	struct lapic a;
	apic_setup(&a, 0);
	a.tsc_deadline_ok = true;                       /* CPUID.1:ECX.TSC_DEADLINE */
	lapic_mmio_write(&a, LVTT, 0x40030, 0);        /* TSC-deadline */
	struct kvm_lapic_state s;
	lapic_get_state(&a, &s, 0);
	uint32_t lvtt = 0x30, tmict = 1000, tdcr = 0xb, cc = 500;
	memcpy(s.regs + LVTT, &lvtt, 4);
	memcpy(s.regs + TMICT, &tmict, 4);
	memcpy(s.regs + TDCR, &tdcr, 4);
	memcpy(s.regs + TMCCT, &cc, 4);
	EQ("set one-shot", 0, lapic_set_state(&a, &s, 0));
	EQ("TMICT cleared", 0, lapic_reg(&a, TMICT));
	EQ("no timer", 0, lapic_timer_poll(&a, 100000));
	lapic_mmio_write(&a, TMICT, 1000, 0);           /* one-shot, running */
	lapic_get_state(&a, &s, 0);
	lvtt = 0x40030;
	memcpy(s.regs + LVTT, &lvtt, 4);
	EQ("set TSC-deadline", 0, lapic_set_state(&a, &s, 0));
	EQ("TMICT cleared again", 0, lapic_reg(&a, TMICT));
	lapic_get_state(&a, &s, 0);
	lvtt = 0x30;
	memcpy(s.regs + LVTT, &lvtt, 4);
	memcpy(s.regs + TMICT, &tmict, 4);
	memcpy(s.regs + TMCCT, &cc, 4);
	lapic_mmio_write(&a, LVTT, 0x30, 0);            /* one-shot, no change */
	EQ("set one-shot over one-shot", 0, lapic_set_state(&a, &s, 0));
	EQ("TMICT kept", 1000, lapic_reg(&a, TMICT));
	EQ("the timer from TMCCT", 500, lapic_timer_poll(&a, 0));
}
END_TEST

/* KVM_SET_LAPIC in x2APIC mode with another ID (bits 31:24, no
 * KVM_CAP_X2APIC_API): 6.1's kvm_apic_state_fixup keeps the given ID and
 * derives the LDR from it; kvm_recalculate_apic_map's phys_map then holds the
 * APIC at the vCPU's ID and at its LDR's slot, so both IDs reach it, physical
 * and logical (the oracle, corpus-io/m14). */
TEST(lapic_x2apic_set_state_id)
{
	struct lapic a;
	apic_setup(&a, 0);
	EQ("enable x2APIC", 1, lapic_set_base(&a, 0xfee00c00, false));
	struct kvm_lapic_state s;
	lapic_get_state(&a, &s, 0);
	uint32_t id = 3u << 24;
	memcpy(s.regs + ID, &id, 4);
	EQ("set", 0, lapic_set_state(&a, &s, 0));
	uint64_t v = 0;
	lapic_msr_read(&a, 0x802, &v, 0);
	EQ("ID MSR: as given", 3, v);
	lapic_msr_read(&a, 0x80d, &v, 0);
	EQ("LDR MSR: from it", 8, v);
	lapic_get_state(&a, &s, 0);
	memcpy(&id, s.regs + ID, 4);
	EQ("KVM_GET_LAPIC's ID", 3u << 24, id);
	struct irq_msg m = { .dest = 3 };
	EQ("physical 3 (the given ID)", 1, lapic_match_dest(&a, NULL, &m));
	m.dest = 0;
	EQ("physical 0 (the vCPU's)", 1, lapic_match_dest(&a, NULL, &m));
	m.dest = 5;
	EQ("physical 5", 0, lapic_match_dest(&a, NULL, &m));
	m = (struct irq_msg){ .dest = 8, .logical = true };
	EQ("logical cluster 0 bit 3 (the LDR)", 1, lapic_match_dest(&a, NULL, &m));
	m.dest = 1;
	EQ("logical cluster 0 bit 0 (the vCPU's)", 1, lapic_match_dest(&a, NULL, &m));
	m.dest = 0x10001;
	EQ("logical cluster 1 bit 0", 0, lapic_match_dest(&a, NULL, &m));
}
END_TEST

/* Software disable masks every LVT; LVT writes then stay masked. */
TEST(lapic_sw_disable_masks_lvts)
{
	struct lapic a;
	apic_setup(&a, 0);
	lapic_mmio_write(&a, LVT1, 0x400, 0);
	EQ("LVT1 NMI unmasked", 0x400, lapic_mmio_read(&a, LVT1, 0));
	lapic_mmio_write(&a, SPIV, 0xff, 0);
	EQ("LVT1 after disable", 0x10400, lapic_mmio_read(&a, LVT1, 0));
	lapic_mmio_write(&a, LVT1, 0x400, 0);
	EQ("LVT1 written while disabled", 0x10400, lapic_mmio_read(&a, LVT1, 0));
}
END_TEST

/* KVM_GET/SET_LAPIC: TMCCT is computed on get and restarts the timer on set. */
TEST(lapic_state_round_trip)
{
	struct lapic a, b;
	apic_setup(&a, 0);
	lapic_mmio_write(&a, TDCR, 0xb, 0);
	lapic_mmio_write(&a, LVTT, 0x30, 0);
	lapic_mmio_write(&a, TMICT, 1000, 0);
	struct kvm_lapic_state s;
	lapic_get_state(&a, &s, 400);
	uint32_t cc;
	memcpy(&cc, s.regs + TMCCT, 4);
	EQ("TMCCT in the state", 600, cc);
	apic_setup(&b, 0);
	EQ("set", 0, lapic_set_state(&b, &s, 10000));
	EQ("the timer goes on from TMCCT", 10600, lapic_timer_poll(&b, 10000));
	EQ("TMCCT register itself", 0, lapic_reg(&b, TMCCT));
	EQ("TMCCT read", 300, lapic_mmio_read(&b, TMCCT, 10300));
}
END_TEST

/* ---- 8254 ---- */

static void pit_setup(struct pit *p, uint32_t flags)
{
	reset_rec();
	pit_init(p, flags, rec_irq0, NULL);
}

/* kvm_pit_reset: count 0x10000, no timer, gates 1, 1, 0. */
TEST(pit_reset_state)
{
	struct pit p;
	pit_setup(&p, 0);
	EQ("count", 0x10000, p.ch[0].count);
	EQ("gate 0", 1, p.ch[0].gate);
	EQ("gate 2", 0, p.ch[2].gate);
	EQ("no timer", 0, pit_poll(&p, 1000000000));
	EQ("port 0x61 without the dummy speaker", 0, pit_port(&p, 0x61));
	EQ("port 0x43", 1, pit_port(&p, 0x43));
}
END_TEST

/* Mode 2 on channel 0 (Linux's PIT clockevent): periodic, 1193 ticks ~ 1 ms;
 * reinjection holds the next tick until the last was acknowledged. */
TEST(pit_mode2_periodic_reinject)
{
	struct pit p;
	pit_setup(&p, 0);
	pit_write(&p, 0x43, 0x34, 0);
	pit_write(&p, 0x40, 1193 & 0xff, 0);
	pit_write(&p, 0x40, 1193 >> 8, 0);
	uint64_t t = 1193ull * 1000000000 / PIT_FREQ;
	EQ("first tick", t, pit_poll(&p, 0));
	pit_poll(&p, t);
	EQ("IRQ 0 pulses", 1, R.irq0s);
	pit_poll(&p, 3 * t);
	EQ("no pulse before the ack", 1, R.irq0s);
	EQ("pending ticks", 3, p.pending);
	pit_acked(&p);
	EQ("ack injects the next", 2, R.irq0s);
	pit_acked(&p);
	EQ("and the next", 3, R.irq0s);
	pit_acked(&p);
	EQ("nothing left", 3, R.irq0s);
}
END_TEST

/* Mode 0: one tick; KVM's periodic floor doesn't apply. */
TEST(pit_mode0_oneshot)
{
	struct pit p;
	pit_setup(&p, 0);
	pit_write(&p, 0x43, 0x30, 0);
	pit_write(&p, 0x40, 10, 0);
	pit_write(&p, 0x40, 0, 0);
	uint64_t t = 10ull * 1000000000 / PIT_FREQ;
	EQ("tick", t, pit_poll(&p, 0));
	EQ("after it: none", 0, pit_poll(&p, t));
	EQ("pulses", 1, R.irq0s);
}
END_TEST

TEST(pit_periodic_floor)
{
	struct pit p;
	pit_setup(&p, 0);
	pit_write(&p, 0x43, 0x34, 0);
	pit_write(&p, 0x40, 2, 0);
	pit_write(&p, 0x40, 0, 0);
	uint64_t t = 2ull * 1000000000 / PIT_FREQ;
	EQ("first tick after one interval", t, pit_poll(&p, 0));
	EQ("then every 200 us", t + 200000, pit_poll(&p, t));
}
END_TEST

/* Latch (access 0) freezes the count; LSB then MSB. */
TEST(pit_latch_and_word_read)
{
	struct pit p;
	pit_setup(&p, 0);
	pit_write(&p, 0x43, 0xb0, 0);            /* ch2, lsb/msb, mode 0 */
	pit_write(&p, 0x42, 0x00, 0);
	pit_write(&p, 0x42, 0x10, 0);            /* 0x1000 */
	uint64_t ns = 100ull * 1000000000 / PIT_FREQ + 1;   /* 100 ticks */
	pit_write(&p, 0x43, 0x80, ns);
	EQ("latched LSB", (0x1000 - 100) & 0xff, pit_read(&p, 0x42, ns + 5000000));
	EQ("latched MSB", (0x1000 - 100) >> 8, pit_read(&p, 0x42, ns + 5000000));
	EQ("live LSB", (0x1000 - 100) & 0xff, pit_read(&p, 0x42, ns));
}
END_TEST

/* Read-back status: OUT, access, mode, BCD. */
TEST(pit_readback_status)
{
	struct pit p;
	pit_setup(&p, 0);
	pit_write(&p, 0x43, 0x36, 0);            /* ch0, lsb/msb, mode 3 */
	pit_write(&p, 0x43, 0xe2, 0);            /* read-back: status only, ch0 */
	EQ("status", 0x80 | 0x30 | 0x06, pit_read(&p, 0x40, 0));
}
END_TEST

/* Port 0x61 (KVM_PIT_SPEAKER_DUMMY): gate 2 in bit 0, OUT2 in bit 5 - what
 * Linux's pit_calibrate_tsc/pit_expect_msb poll. */
TEST(pit_speaker_port_out2)
{
	struct pit p;
	pit_setup(&p, KVM_PIT_SPEAKER_DUMMY);
	EQ("port 0x61 is the PIT's", 1, pit_port(&p, 0x61));
	pit_write(&p, 0x61, 0x01, 0);            /* gate 2 on, speaker off */
	pit_write(&p, 0x43, 0xb0, 0);
	pit_write(&p, 0x42, 0xff, 0);
	pit_write(&p, 0x42, 0xff, 0);
	EQ("OUT2 low while counting", 0x01, pit_read(&p, 0x61, 0) & 0x23);
	uint64_t done = 0xffffull * 1000000000 / PIT_FREQ + 1000;
	EQ("OUT2 high at terminal count", 0x21, pit_read(&p, 0x61, done) & 0x23);
	EQ("refresh bit follows the clock", 1, (pit_read(&p, 0x61, 1u << 14) >> 4) & 1);
}
END_TEST

/* KVM_SET_PIT2 reloads each count: channel 0's timer restarts. */
TEST(pit_set_state_reloads)
{
	struct pit p;
	pit_setup(&p, 0);
	pit_write(&p, 0x43, 0x34, 0);
	pit_write(&p, 0x40, 0x00, 0);
	pit_write(&p, 0x40, 0x10, 0);
	struct kvm_pit_state2 s;
	pit_get_state(&p, &s);
	EQ("count", 0x1000, s.channels[0].count);
	EQ("mode", 2, s.channels[0].mode);
	struct pit q;
	pit_init(&q, 0, rec_irq0, NULL);
	pit_set_state(&q, &s, 5000);
	EQ("timer from the set", 5000 + 0x1000ull * 1000000000 / PIT_FREQ, pit_poll(&q, 5000));
}
END_TEST

int main(void)
{
	return check_run();
}
