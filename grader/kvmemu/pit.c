/*
 * pit.c: the 8254 of KVM_CREATE_PIT2 (arch/x86/kvm/i8254.c): three channels
 * at ports 0x40-0x43 counting at 1193182 Hz, modes 0-5, latch and
 * read-back commands, LSB/MSB/word access; channel 0's timer on IRQ 0
 * (one-shot in modes 0, 1, 4; periodic in 2, 3, at least 200 µs apart),
 * with KVM's default reinjection (one tick injected per acknowledged
 * one); with KVM_PIT_SPEAKER_DUMMY, port 0x61: gate 2, speaker data,
 * channel 2's output (bit 5) and the refresh toggle (bit 4) a kernel's
 * calibration loop polls.
 */
#include "irqchip.h"

#include <string.h>

enum { RW_LSB = 1, RW_MSB = 2, RW_WORD0 = 3, RW_WORD1 = 4 };

/* ns -> PIT ticks (mul_u64_u32_div(t, KVM_PIT_FREQ, NSEC_PER_SEC)). */
static uint64_t ticks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * PIT_FREQ / 1000000000u);
}

static uint64_t elapsed(const struct kvm_pit_channel_state *c, uint64_t now)
{
	return now > (uint64_t)c->count_load_time ? now - (uint64_t)c->count_load_time : 0;
}

/* pit_get_count */
static uint32_t get_count(const struct kvm_pit_channel_state *c, uint64_t now)
{
	uint64_t d = ticks(elapsed(c, now));
	switch (c->mode) {
	case 0: case 1: case 4: case 5:
		return (c->count - d) & 0xffff;
	case 3:
		return c->count - (2 * d) % c->count;
	default:
		return c->count - d % c->count;
	}
}

/* pit_get_out */
static int get_out(const struct kvm_pit_channel_state *c, uint64_t now)
{
	uint64_t d = ticks(elapsed(c, now));
	switch (c->mode) {
	case 1: return d < c->count;
	case 2: return d % c->count == 0 && d != 0;
	case 3: return d % c->count < ((c->count + 1) >> 1);
	case 4: case 5: return d == c->count;
	default: return d >= c->count;
	}
}

/* kvm_pit_reset_reinject */
static void reset_reinject(struct pit *p)
{
	p->pending = 0;
	p->irq_ack = true;
}

/* create_pit_timer: the first tick one interval from now, then every
 * period (periodic modes; at least min_timer_period_us). With HPET legacy
 * routing channel 0 has no timer. */
static void start_timer(struct pit *p, uint32_t val, bool periodic, uint64_t now)
{
	p->next_ns = 0;
	p->period_ns = 0;
	if (p->flags & KVM_PIT_FLAGS_HPET_LEGACY)
		return;
	uint64_t interval = (uint64_t)val * 1000000000u / PIT_FREQ;
	reset_reinject(p);
	if (periodic)
		p->period_ns = interval < 200000u ? 200000u : interval;
	p->next_ns = now + interval;
	if (p->next_ns == 0)
		p->next_ns = 1;
}

/* pit_load_count: 0 means 0x10000; channel 0's mode picks its timer. */
static void load_count(struct pit *p, int ch, uint32_t val, uint64_t now)
{
	if (val == 0)
		val = 0x10000;
	p->ch[ch].count = val;
	p->ch[ch].count_load_time = (int64_t)now;
	if (ch != 0)
		return;
	switch (p->ch[0].mode) {
	case 0: case 1: case 4:
		start_timer(p, val, false, now);
		break;
	case 2: case 3:
		start_timer(p, val, true, now);
		break;
	default:
		p->next_ns = 0;
		p->period_ns = 0;
	}
}

void pit_init(struct pit *p, uint32_t create_flags, void (*irq0)(void *), void *opaque)
{
	memset(p, 0, sizeof *p);
	p->irq0 = irq0;
	p->opaque = opaque;
	p->speaker_dev = create_flags & KVM_PIT_SPEAKER_DUMMY;
	p->reinject = true;       /* kvm_create_pit: kvm_pit_set_reinject(pit, true) */
	pit_reset(p, 0);
}

/* kvm_pit_reset: mode 0xff (no timer), gates open but channel 2's. */
void pit_reset(struct pit *p, uint64_t now_ns)
{
	p->flags = 0;
	for (int i = 0; i < 3; i++) {
		memset(&p->ch[i], 0, sizeof p->ch[i]);
		p->ch[i].mode = 0xff;
		p->ch[i].gate = i != 2;
		load_count(p, i, 0, now_ns);
	}
	reset_reinject(p);
}

bool pit_port(const struct pit *p, uint16_t port)
{
	return (port >= 0x40 && port <= 0x43) || (port == 0x61 && p->speaker_dev);
}

static void latch_count(struct pit *p, int ch, uint64_t now)
{
	struct kvm_pit_channel_state *c = &p->ch[ch];
	if (!c->count_latched) {
		c->latched_count = get_count(c, now);
		c->count_latched = c->rw_mode;
	}
}

static void latch_status(struct pit *p, int ch, uint64_t now)
{
	struct kvm_pit_channel_state *c = &p->ch[ch];
	if (!c->status_latched) {
		c->status = get_out(c, now) << 7 | c->rw_mode << 4 | c->mode << 1 | c->bcd;
		c->status_latched = 1;
	}
}

/* pit_set_gate: a rising gate restarts counting in modes 1, 2, 3, 5. */
static void set_gate(struct pit *p, int ch, int val, uint64_t now)
{
	struct kvm_pit_channel_state *c = &p->ch[ch];
	if ((c->mode == 1 || c->mode == 2 || c->mode == 3 || c->mode == 5) && c->gate < val)
		c->count_load_time = (int64_t)now;
	c->gate = val;
}

/* The control word at 0x43 (pit_ioport_write, addr 3). */
static void control(struct pit *p, uint8_t val, uint64_t now)
{
	int ch = val >> 6;
	if (ch == 3) {           /* read-back */
		for (ch = 0; ch < 3; ch++) {
			if (!(val & (2 << ch)))
				continue;
			if (!(val & 0x20))
				latch_count(p, ch, now);
			if (!(val & 0x10))
				latch_status(p, ch, now);
		}
		return;
	}
	struct kvm_pit_channel_state *c = &p->ch[ch];
	int access = (val >> 4) & 3;
	if (access == 0) {
		latch_count(p, ch, now);
		return;
	}
	c->rw_mode = c->read_state = c->write_state = access;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;
	c->bcd = val & 1;
}

void pit_write(struct pit *p, uint16_t port, uint8_t val, uint64_t now_ns)
{
	if (port == 0x61) {      /* speaker_ioport_write */
		p->speaker_data = (val >> 1) & 1;
		set_gate(p, 2, val & 1, now_ns);
		return;
	}
	int ch = port & 3;
	if (ch == 3) {
		control(p, val, now_ns);
		return;
	}
	struct kvm_pit_channel_state *c = &p->ch[ch];
	switch (c->write_state) {
	case RW_MSB:
		load_count(p, ch, (uint32_t)val << 8, now_ns);
		break;
	case RW_WORD0:
		c->write_latch = val;
		c->write_state = RW_WORD1;
		break;
	case RW_WORD1:
		load_count(p, ch, c->write_latch | (uint32_t)val << 8, now_ns);
		c->write_state = RW_WORD0;
		break;
	default:
		load_count(p, ch, val, now_ns);
		break;
	}
}

/* pit_ioport_read; speaker_ioport_read for 0x61 (the refresh bit toggles
 * with bit 14 of the clock's nanoseconds, as upstream's ktime_get). */
uint8_t pit_read(struct pit *p, uint16_t port, uint64_t now_ns)
{
	if (port == 0x61)
		return get_out(&p->ch[2], now_ns) << 5 | p->speaker_data << 1 | p->ch[2].gate |
		       ((now_ns >> 14) & 1) << 4;
	int ch = port & 3;
	if (ch == 3)
		return 0;
	struct kvm_pit_channel_state *c = &p->ch[ch];
	uint32_t count;
	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		switch (c->count_latched) {
		case RW_MSB:
			c->count_latched = 0;
			return c->latched_count >> 8;
		case RW_WORD0:
			c->count_latched = RW_MSB;
			return c->latched_count & 0xff;
		default:
			c->count_latched = 0;
			return c->latched_count & 0xff;
		}
	}
	count = get_count(c, now_ns);
	switch (c->read_state) {
	case RW_MSB:
		return (count >> 8) & 0xff;
	case RW_WORD0:
		c->read_state = RW_WORD1;
		return count & 0xff;
	case RW_WORD1:
		c->read_state = RW_WORD0;
		return (count >> 8) & 0xff;
	default:
		return count & 0xff;
	}
}

/* pit_do_work: with reinjection, only once the last tick was acknowledged. */
static void do_work(struct pit *p)
{
	if (p->reinject) {
		if (!p->irq_ack)
			return;
		p->irq_ack = false;
	}
	if (p->irq0)
		p->irq0(p->opaque);
}

/* pit_timer_fn for every tick due: ticks missed while the guest didn't run
 * are counted (reinject) or coalesced into one. */
uint64_t pit_poll(struct pit *p, uint64_t now_ns)
{
	if (!p->next_ns || p->next_ns > now_ns)
		return p->next_ns;
	uint64_t n = 1;
	if (p->period_ns) {
		n = (now_ns - p->next_ns) / p->period_ns + 1;
		p->next_ns += n * p->period_ns;
	} else {
		p->next_ns = 0;
	}
	if (p->reinject)
		p->pending += n > 1000000 ? 1000000 : (uint32_t)n;
	do_work(p);
	return p->next_ns;
}

/* kvm_pit_ack_irq */
void pit_acked(struct pit *p)
{
	if (!p->reinject)
		return;
	p->irq_ack = true;
	if (p->pending > 0 && --p->pending > 0)
		do_work(p);
}

/* kvm_vm_ioctl_get_pit2 */
void pit_get_state(struct pit *p, struct kvm_pit_state2 *s)
{
	memset(s, 0, sizeof *s);
	memcpy(s->channels, p->ch, sizeof s->channels);
	s->flags = p->flags;
}

/* kvm_vm_ioctl_set_pit2: the channels as given, each count loaded again
 * (channel 0's timer restarts from now). */
void pit_set_state(struct pit *p, const struct kvm_pit_state2 *s, uint64_t now_ns)
{
	memcpy(p->ch, s->channels, sizeof p->ch);
	p->flags = s->flags;
	for (int i = 0; i < 3; i++)
		load_count(p, i, p->ch[i].count, now_ns);
}
