/*
 * ioapic.c: KVM's in-kernel IOAPIC (arch/x86/kvm/ioapic.c): 24 pins, version
 * 0x11, a redirection table entry per pin, IRR, remote IRR for level pins
 * cleared by the local APICs' EOI broadcast, registers behind IOREGSEL and
 * IOWIN at 0xfec00000.
 *
 * Not reproduced: the RTC (GSI 8) coalescing tracking, the EOI-storm delay
 * (IOAPIC_SUCCESSIVE_IRQ_MAX_COUNT) and irqfd resamplers.
 */
#include "irqchip.h"

#include <string.h>

#define IOAPIC_VERSION   0x11        /* IOAPIC_VERSION_ID */

/* Redirection entry fields (union kvm_ioapic_redirect_entry). */
#define RE_VECTOR(e)     ((uint8_t)(e))
#define RE_DELIVERY(e)   (((e) >> 8) & 7)
#define RE_LOGICAL       (1ull << 11)
#define RE_STATUS        (1ull << 12)
#define RE_REMOTE_IRR    (1ull << 14)
#define RE_LEVEL         (1ull << 15)
#define RE_MASK          (1ull << 16)
#define RE_DEST(e)       ((uint8_t)((e) >> 56))

/* kvm_ioapic_reset: every pin masked, base 0xfec00000. */
void ioapic_init(struct ioapic *io, const struct irq_bus *bus)
{
	memset(io, 0, sizeof *io);
	io->bus = bus;
	io->s.base_address = IOAPIC_BASE;
	for (int i = 0; i < IOAPIC_PINS; i++)
		io->s.redirtbl[i].bits = RE_MASK;
}

/* ioapic_service: send pin's message unless masked or awaiting EOI. */
static int service(struct ioapic *io, int pin)
{
	__u64 *e = &io->s.redirtbl[pin].bits;
	bool level = *e & RE_LEVEL;
	if ((*e & RE_MASK) || (level && (*e & RE_REMOTE_IRR)))
		return -1;
	struct irq_msg m = {
		.dest = RE_DEST(*e), .vector = RE_VECTOR(*e), .delivery = RE_DELIVERY(*e),
		.logical = *e & RE_LOGICAL, .level_trig = level, .assert = true,
	};
	if (!level)
		io->irr_delivered |= 1u << pin;
	int ret = io->bus && io->bus->to_apic ? io->bus->to_apic(io->bus->opaque, &m) : -1;
	if (ret > 0 && level)
		*e |= RE_REMOTE_IRR;
	return ret;
}

/* kvm_ioapic_set_irq / ioapic_set_irq. An edge already in IRR is coalesced
 * (0); lowering a line always "succeeds" (1). */
static int raise(struct ioapic *io, int pin)
{
	uint32_t mask = 1u << pin;
	uint32_t old = io->s.irr;
	io->s.irr |= mask;
	if (!(io->s.redirtbl[pin].bits & RE_LEVEL)) {
		io->irr_delivered &= ~mask;
		if (old == io->s.irr)
			return 0;
	}
	return service(io, pin);
}

int ioapic_set_irq(struct ioapic *io, int pin, int source, int level)
{
	if (pin < 0 || pin >= IOAPIC_PINS)
		return -1;
	if (!irq_line_state(&io->line[pin], source, level)) {
		io->s.irr &= ~(1u << pin);
		return 1;
	}
	return raise(io, pin);
}

/* kvm_ioapic_update_eoi: every pin with that vector is acknowledged; for a
 * level-triggered EOI (the APIC's TMR bit), a level pin drops remote IRR
 * and, still asserted and unmasked, fires again. */
void ioapic_eoi(struct ioapic *io, int vector, bool level)
{
	for (int pin = 0; pin < IOAPIC_PINS; pin++) {
		__u64 *e = &io->s.redirtbl[pin].bits;
		if (RE_VECTOR(*e) != vector)
			continue;
		if (io->bus && io->bus->acked)
			io->bus->acked(io->bus->opaque, KVM_IRQCHIP_IOAPIC, pin);
		if (!level || !(*e & RE_LEVEL))
			continue;
		*e &= ~RE_REMOTE_IRR;
		if (!(*e & RE_MASK) && (io->s.irr & (1u << pin)))
			service(io, pin);
	}
}

/* ioapic_in_range: IOAPIC_MEM_LENGTH (0x100) bytes at base_address. */
bool ioapic_mmio(const struct ioapic *io, uint64_t gpa, uint32_t len)
{
	return gpa >= io->s.base_address && gpa + len <= io->s.base_address + 0x100;
}

/* ioapic_read_indirect */
static uint32_t read_indirect(const struct ioapic *io)
{
	uint32_t sel = io->s.ioregsel;
	if (sel == 0x01)
		return (uint32_t)(IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
	if (sel == 0x00 || sel == 0x02)
		return (io->s.id & 0xf) << 24;
	uint32_t idx = (sel - 0x10) >> 1;
	uint64_t v = idx < IOAPIC_PINS ? io->s.redirtbl[idx].bits : ~0ull;
	return (sel & 1) ? (uint32_t)(v >> 32) : (uint32_t)v;
}

/* ioapic_write_indirect: remote IRR and delivery status are read-only; an
 * entry made edge-triggered drops remote IRR (Linux relies on it); an
 * unmasked level pin still asserted is serviced. */
static void write_indirect(struct ioapic *io, uint32_t val)
{
	uint32_t sel = io->s.ioregsel;
	if (sel == 0x00) {
		io->s.id = (val >> 24) & 0xf;
		return;
	}
	if (sel < 0x10)          /* version, arbitration: read-only */
		return;
	uint32_t idx = (sel - 0x10) >> 1;
	if (idx >= IOAPIC_PINS)
		return;
	__u64 *e = &io->s.redirtbl[idx].bits;
	uint64_t ro = *e & (RE_REMOTE_IRR | RE_STATUS);
	if (sel & 1)
		*e = (*e & 0xffffffffull) | (uint64_t)val << 32;
	else
		*e = (*e & ~0xffffffffull) | val;
	*e = (*e & ~(RE_REMOTE_IRR | RE_STATUS)) | ro;
	if (!(*e & RE_LEVEL))
		*e &= ~RE_REMOTE_IRR;
	if ((*e & RE_LEVEL) && (io->s.irr & (1u << idx)) && !(*e & RE_MASK) &&
	    !(*e & RE_REMOTE_IRR))
		service(io, idx);
}

/* ioapic_mmio_write: a write of 8 bytes uses its low 4. */
void ioapic_write(struct ioapic *io, uint64_t gpa, uint32_t len, uint64_t val)
{
	uint32_t data = len == 1 ? (uint8_t)val : len == 2 ? (uint16_t)val : (uint32_t)val;
	switch ((gpa - io->s.base_address) & 0xff) {
	case 0x00:
		io->s.ioregsel = data & 0xff;
		break;
	case 0x10:
		write_indirect(io, data);
		break;
	}
}

/* ioapic_mmio_read: other offsets read 0. */
uint64_t ioapic_read(struct ioapic *io, uint64_t gpa, uint32_t len)
{
	uint64_t r = 0;
	switch ((gpa - io->s.base_address) & 0xff) {
	case 0x00:
		r = io->s.ioregsel;
		break;
	case 0x10:
		r = read_indirect(io);
		break;
	}
	if (len < 8)
		r &= (1ull << (8 * len)) - 1;
	return r;
}

/* kvm_set_ioapic: the state with IRR cleared, then every pin of the given
 * IRR raised again (kvm_ioapic_inject_all). */
void ioapic_set_state(struct ioapic *io, const struct kvm_ioapic_state *s)
{
	io->s = *s;
	io->s.irr = 0;
	io->irr_delivered = 0;
	for (int pin = 0; pin < IOAPIC_PINS; pin++)
		if (s->irr & (1u << pin))
			raise(io, pin);
}
