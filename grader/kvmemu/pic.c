/*
 * pic.c: the two cascaded 8259A PICs of KVM_CREATE_IRQCHIP, as
 * arch/x86/kvm/i8259.c has them (itself QEMU's model): ICW1-4, OCW2/3,
 * IRR/ISR/IMR, rotation, auto-EOI, special fully nested mode, poll mode,
 * the ELCR (ports 0x4d0/0x4d1) for level-triggered pins, the slave on
 * master pin 2. Single mode and ICW1's level bit are ignored, as upstream.
 */
#include "irqchip.h"

#include <string.h>

/* __kvm_irq_line_state (virt/kvm/irqchip.c). */
int irq_line_state(uint32_t *states, int source, int level)
{
	if (level)
		*states |= 1u << source;
	else
		*states &= ~(1u << source);
	return *states != 0;
}

/* pic_clear_isr: ISR bit off, then the ack notifiers (the PIT's reinjection). */
static void clear_isr(struct pic *p, int chip, int irq)
{
	p->s[chip].isr &= ~(1u << irq);
	if (p->bus && p->bus->acked)
		p->bus->acked(p->bus->opaque, chip, irq + 8 * chip);
}

/* pic_set_irq1: an edge (or a level, per the ELCR) into IRR.
 * -1 masked, 0 already pending, 1 new. */
static int set_irq1(struct kvm_pic_state *s, int irq, int level)
{
	int mask = 1 << irq, ret = 1;
	if (s->elcr & mask) {
		if (level) {
			ret = !(s->irr & mask);
			s->irr |= mask;
			s->last_irr |= mask;
		} else {
			s->irr &= ~mask;
			s->last_irr &= ~mask;
		}
	} else if (level) {
		if ((s->last_irr & mask) == 0) {
			ret = !(s->irr & mask);
			s->irr |= mask;
		}
		s->last_irr |= mask;
	} else {
		s->last_irr &= ~mask;
	}
	return (s->imr & mask) ? -1 : ret;
}

/* get_priority: the highest priority in mask (0 highest), 8 if none. */
static int priority(const struct kvm_pic_state *s, int mask)
{
	if (mask == 0)
		return 8;
	int pr = 0;
	while ((mask & (1 << ((pr + s->priority_add) & 7))) == 0)
		pr++;
	return pr;
}

/* pic_get_irq: the pin the chip wants to raise, -1 if none. */
static int get_irq(const struct pic *p, int chip)
{
	const struct kvm_pic_state *s = &p->s[chip];
	int pr = priority(s, s->irr & ~s->imr);
	if (pr == 8)
		return -1;
	/* Special fully nested mode: the slave's in-service IRQ doesn't block
	 * more from the slave. */
	int mask = s->isr;
	if (s->special_fully_nested_mode && chip == 0)
		mask &= ~(1 << 2);
	return pr < priority(s, mask) ? (pr + s->priority_add) & 7 : -1;
}

/* pic_update_irq: the slave's request onto master pin 2, the master's INT. */
static void update(struct pic *p)
{
	if (get_irq(p, 1) >= 0) {
		set_irq1(&p->s[0], 2, 1);
		set_irq1(&p->s[0], 2, 0);
	}
	bool out = get_irq(p, 0) >= 0;
	if (out != p->output) {
		p->output = out;
		if (p->bus && p->bus->pic_output)
			p->bus->pic_output(p->bus->opaque, out);
	}
}

/* kvm_pic_reset via kvm_create_pic: all zero, ELCR masks 0xf8/0xde. */
void pic_init(struct pic *p, const struct irq_bus *bus)
{
	memset(p, 0, sizeof *p);
	p->bus = bus;
	p->s[0].elcr_mask = 0xf8;
	p->s[1].elcr_mask = 0xde;
}

int pic_set_irq(struct pic *p, int pin, int source, int level)
{
	if (pin < 0 || pin >= 16)
		return -1;
	level = irq_line_state(&p->line[pin], source, level);
	int ret = set_irq1(&p->s[pin >> 3], pin & 7, level);
	update(p);
	return ret;
}

/* pic_intack: ISR set, an edge's IRR cleared, auto-EOI. */
static void intack(struct pic *p, int chip, int irq)
{
	struct kvm_pic_state *s = &p->s[chip];
	s->isr |= 1 << irq;
	if (!(s->elcr & (1 << irq)))
		s->irr &= ~(1 << irq);
	if (s->auto_eoi) {
		if (s->rotate_on_auto_eoi)
			s->priority_add = (irq + 1) & 7;
		clear_isr(p, chip, irq);
	}
}

/* kvm_pic_read_irq: nothing pending gives the spurious IRQ 7. */
int pic_read_irq(struct pic *p)
{
	int irq = get_irq(p, 0), vec;
	if (irq >= 0) {
		intack(p, 0, irq);
		if (irq == 2) {
			int irq2 = get_irq(p, 1);
			if (irq2 >= 0)
				intack(p, 1, irq2);
			else
				irq2 = 7;
			vec = p->s[1].irq_base + irq2;
		} else {
			vec = p->s[0].irq_base + irq;
		}
	} else {
		vec = p->s[0].irq_base + 7;
	}
	update(p);
	return vec;
}

bool pic_port(uint16_t port)
{
	return port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1 ||
	       port == 0x4d0 || port == 0x4d1;
}

/* ICW1: start the init sequence. Upstream drops pending edges (IRR keeps
 * only level pins) and clears their ISR when the PIC reaches a CPU. */
static void icw1(struct pic *p, int chip, uint8_t val)
{
	struct kvm_pic_state *s = &p->s[chip];
	uint8_t edge_irr = s->irr & ~s->elcr;
	s->init4 = val & 1;
	s->last_irr = 0;
	s->irr &= s->elcr;
	s->imr = 0;
	s->priority_add = 0;
	s->special_mask = 0;
	s->read_reg_select = 0;
	if (!s->init4) {
		s->special_fully_nested_mode = 0;
		s->auto_eoi = 0;
	}
	s->init_state = 1;
	if (p->bus && p->bus->pic_reaches_cpu && !p->bus->pic_reaches_cpu(p->bus->opaque))
		return;
	for (int irq = 0; irq < 8; irq++)
		if (edge_irr & (1 << irq))
			clear_isr(p, chip, irq);
}

/* OCW2: EOIs and rotations (the command in bits 7:5). */
static void ocw2(struct pic *p, int chip, uint8_t val)
{
	struct kvm_pic_state *s = &p->s[chip];
	int cmd = val >> 5, irq, pr;
	switch (cmd) {
	case 0: case 4:          /* rotate in auto-EOI mode: clear / set */
		s->rotate_on_auto_eoi = cmd >> 2;
		break;
	case 1: case 5:          /* non-specific EOI, with rotation for 5 */
		pr = priority(s, s->isr);
		if (pr != 8) {
			irq = (pr + s->priority_add) & 7;
			if (cmd == 5)
				s->priority_add = (irq + 1) & 7;
			clear_isr(p, chip, irq);
			update(p);
		}
		break;
	case 3:                  /* specific EOI */
		clear_isr(p, chip, val & 7);
		update(p);
		break;
	case 6:                  /* set priority */
		s->priority_add = (val + 1) & 7;
		update(p);
		break;
	case 7:                  /* rotate on specific EOI */
		irq = val & 7;
		s->priority_add = (irq + 1) & 7;
		clear_isr(p, chip, irq);
		update(p);
		break;
	default:                 /* 2: no operation */
		break;
	}
}

/* pic_ioport_write */
static void chip_write(struct pic *p, int chip, int addr, uint8_t val)
{
	struct kvm_pic_state *s = &p->s[chip];
	if (addr == 0) {
		if (val & 0x10)
			icw1(p, chip, val);
		else if (val & 0x08) {   /* OCW3 */
			if (val & 0x04)
				s->poll = 1;
			if (val & 0x02)
				s->read_reg_select = val & 1;
			if (val & 0x40)
				s->special_mask = (val >> 5) & 1;
		} else
			ocw2(p, chip, val);
		return;
	}
	switch (s->init_state) {
	case 0:                  /* OCW1: the mask */
		s->imr = val;
		update(p);
		break;
	case 1:                  /* ICW2: the vector base */
		s->irq_base = val & 0xf8;
		s->init_state = 2;
		break;
	case 2:                  /* ICW3: cascade wiring, not used */
		s->init_state = s->init4 ? 3 : 0;
		break;
	case 3:                  /* ICW4 */
		s->special_fully_nested_mode = (val >> 4) & 1;
		s->auto_eoi = (val >> 1) & 1;
		s->init_state = 0;
		break;
	}
}

void pic_write(struct pic *p, uint16_t port, uint8_t val)
{
	if (port == 0x4d0 || port == 0x4d1) {   /* elcr_ioport_write */
		struct kvm_pic_state *s = &p->s[port & 1];
		s->elcr = val & s->elcr_mask;
		return;
	}
	chip_write(p, port >> 7, port & 1, val);
}

/* pic_poll_read: OCW3 poll: the highest request acknowledged and ended at once. */
static uint8_t poll_read(struct pic *p, int chip)
{
	struct kvm_pic_state *s = &p->s[chip];
	int ret = get_irq(p, chip);
	if (ret >= 0) {
		if (chip) {
			p->s[0].isr &= ~(1 << 2);
			p->s[0].irr &= ~(1 << 2);
		}
		s->irr &= ~(1 << ret);
		clear_isr(p, chip, ret);
		if (chip || ret != 2)
			update(p);
	} else {
		ret = 0x07;
		update(p);
	}
	return ret;
}

uint8_t pic_read(struct pic *p, uint16_t port)
{
	if (port == 0x4d0 || port == 0x4d1)
		return p->s[port & 1].elcr;
	int chip = port >> 7;
	struct kvm_pic_state *s = &p->s[chip];
	if (s->poll) {
		uint8_t r = poll_read(p, chip);
		s->poll = 0;
		return r;
	}
	if (port & 1)
		return s->imr;
	return s->read_reg_select ? s->isr : s->irr;
}

/* kvm_vm_ioctl_set_irqchip: the state as given, then kvm_pic_update_irq. */
void pic_set_state(struct pic *p, int chip, const struct kvm_pic_state *s)
{
	p->s[chip] = *s;
	update(p);
}
