/*
 * irqchip.h: KVM's in-kernel interrupt devices as plain state machines.
 *
 * Two 8259A PICs (pic.c), an IOAPIC (ioapic.c), a local APIC per vCPU
 * (lapic.c) and an 8254 PIT (pit.c), each reproducing the upstream Linux file
 * of the same concern (arch/x86/kvm/i8259.c, ioapic.c, lapic.c, i8254.c).
 * They know nothing of Unicorn, file descriptors or clocks: time is a
 * nanosecond count passed in by the caller, and what a device does to its
 * neighbours goes through the callbacks of struct irq_bus. The state kept is
 * KVM's own uapi layout where KVM_GET/SET_IRQCHIP, _LAPIC and _PIT2 carry
 * it, so those ioctls are copies. Check tests link these files alone
 * (tests/kvmemu/test_devices.c).
 *
 * Not thread-safe: the caller holds the VM's interrupt lock.
 */
#ifndef KVMEMU_IRQCHIP_H
#define KVMEMU_IRQCHIP_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#define IRQ_SOURCES     4       /* bits of a pin's line state, one per source */
#define IRQ_SRC_USER    0       /* KVM_USERSPACE_IRQ_SOURCE_ID */
#define IRQ_SRC_RESAMPLE 1      /* KVM_IRQFD_RESAMPLE_IRQ_SOURCE_ID: a resampling irqfd */
#define IRQ_SRC_PIT     2       /* the PIT's own source (kvm_create_pit) */

#define IOAPIC_PINS     24      /* IOAPIC_NUM_PINS */
#define IOAPIC_BASE     0xfec00000u
#define LAPIC_BASE      0xfee00000u

/* An interrupt message on the APIC bus (struct kvm_lapic_irq). */
struct irq_msg {
	uint32_t dest;          /* APIC ID or logical mask */
	uint8_t vector;
	uint8_t delivery;       /* APIC_DM_* >> 8: 0 fixed, 1 lowest, 2 SMI, 4 NMI, 5 INIT, 6 SIPI, 7 ExtINT */
	bool logical;           /* destination mode */
	bool level_trig;        /* trigger mode: level */
	bool assert;            /* level: asserted (INIT de-assert is not) */
	uint8_t shorthand;      /* 0 none, 1 self, 2 all, 3 all but self */
};

/* What the devices ask of the VM around them. */
struct irq_bus {
	void *opaque;
	/* The master PIC's INT output changed (kvm_pic: pic_irq_request). */
	void (*pic_output)(void *opaque, bool level);
	/* Some vCPU takes the PIC's INT (kvm_apic_accept_pic_intr); NULL: yes. */
	bool (*pic_reaches_cpu)(void *opaque);
	/* An interrupt the PIC or IOAPIC had delivered was acknowledged (EOI):
	 * kvm_notify_acked_irq(irqchip, pin). The PIT's reinjection uses it. */
	void (*acked)(void *opaque, int irqchip, int pin);
	/* The IOAPIC sends an interrupt message (kvm_irq_delivery_to_apic):
	 * returns -1 with no destination, else how many APICs accepted it. */
	int (*to_apic)(void *opaque, const struct irq_msg *m);
};

/* A line's combined level from several sources (__kvm_irq_line_state,
 * virt/kvm/irqchip.c): the pin is high while any source holds it high. */
int irq_line_state(uint32_t *states, int source, int level);

/* ---- 8259A pair (pic.c): KVM_IRQCHIP_PIC_MASTER/SLAVE ---- */
struct pic {
	struct kvm_pic_state s[2];  /* master, slave */
	bool output;                /* INT of the master */
	uint32_t line[16];          /* per pin, a bit per source */
	const struct irq_bus *bus;
};
void pic_init(struct pic *p, const struct irq_bus *bus);
/* Pin 0..15 to level: -1 masked, 0 coalesced, 1 delivered (kvm_pic_set_irq). */
int pic_set_irq(struct pic *p, int pin, int source, int level);
/* The CPU's INTA cycle: the vector (kvm_pic_read_irq). */
int pic_read_irq(struct pic *p);
/* Ports 0x20/0x21, 0xa0/0xa1, 0x4d0/0x4d1: true if the port is the PIC's. */
bool pic_port(uint16_t port);
void pic_write(struct pic *p, uint16_t port, uint8_t val);
uint8_t pic_read(struct pic *p, uint16_t port);
/* KVM_SET_IRQCHIP of one chip: the state, then the output recomputed. */
void pic_set_state(struct pic *p, int chip, const struct kvm_pic_state *s);

/* ---- IOAPIC (ioapic.c): KVM_IRQCHIP_IOAPIC ---- */
struct ioapic {
	struct kvm_ioapic_state s;  /* base_address, ioregsel, id, irr, redirtbl */
	uint32_t irr_delivered;     /* edge pins delivered since their last edge */
	uint32_t line[IOAPIC_PINS];
	const struct irq_bus *bus;
};
void ioapic_init(struct ioapic *io, const struct irq_bus *bus);
/* Pin to level: -1 masked / no destination, 0 coalesced, >0 delivered. */
int ioapic_set_irq(struct ioapic *io, int pin, int source, int level);
/* A local APIC's EOI of vector, level per its TMR bit (kvm_ioapic_update_eoi). */
void ioapic_eoi(struct ioapic *io, int vector, bool level);
/* MMIO at base_address: offsets 0x00 IOREGSEL, 0x10 IOWIN, 0x40 EOI. */
bool ioapic_mmio(const struct ioapic *io, uint64_t gpa, uint32_t len);
void ioapic_write(struct ioapic *io, uint64_t gpa, uint32_t len, uint64_t val);
uint64_t ioapic_read(struct ioapic *io, uint64_t gpa, uint32_t len);
void ioapic_set_state(struct ioapic *io, const struct kvm_ioapic_state *s);

/* ---- local APIC (lapic.c) ---- */
struct lapic {
	uint8_t regs[KVM_APIC_REG_SIZE];   /* the register page (struct kvm_lapic_state) */
	uint64_t base;              /* IA32_APIC_BASE */
	int id;                     /* the vCPU's index */
	/* Timer: armed to fire at deadline_ns; period_ns from TMICT and TDCR. */
	bool armed;
	uint64_t deadline_ns, period_ns;
	uint64_t tsc_deadline;      /* IA32_TSC_DEADLINE (TSC-deadline mode) */
	uint32_t pending_events;    /* bit 0 INIT, bit 1 SIPI (KVM_APIC_INIT/SIPI) */
	uint8_t sipi_vector;
	int nmi_pending;
	bool x2apic_format;         /* KVM_CAP_X2APIC_API: 32-bit IDs in GET/SET_LAPIC */
	bool tsc_deadline_ok;       /* the guest's CPUID has it (lapic_timer_mode_mask) */
	const struct lapic_ops *ops;
	void *opaque;
};
/* What an APIC needs from its VM: the time, the TSC, its peers, the IOAPIC. */
struct lapic_ops {
	uint64_t (*tsc)(void *opaque, uint64_t now_ns);    /* guest TSC at now */
	uint64_t (*tsc_ns)(void *opaque, uint64_t tsc);    /* the time a TSC value is reached */
	/* An ICR write: send m from this APIC (IPI, INIT, SIPI, NMI). */
	void (*send)(void *opaque, struct lapic *from, const struct irq_msg *m);
	/* An EOI, broadcast to the IOAPIC (kvm_ioapic_send_eoi); level: TMR bit. */
	void (*eoi)(void *opaque, int vector, bool level);
};

#define LAPIC_INIT       1u
#define LAPIC_SIPI       2u
#define LAPIC_TIMER_MIN_PERIOD_NS 200000u  /* min_timer_period_us = 200 (x86.c) */

void lapic_init(struct lapic *a, int id, const struct lapic_ops *ops, void *opaque);
/* INIT or power-on (kvm_lapic_reset): init_event keeps the base MSR. */
void lapic_reset(struct lapic *a, bool init_event);
bool lapic_hw_enabled(const struct lapic *a);      /* IA32_APIC_BASE.EN */
bool lapic_sw_enabled(const struct lapic *a);      /* SVR bit 8 */
bool lapic_x2apic(const struct lapic *a);
/* Set IA32_APIC_BASE (kvm_lapic_set_base); false: the value is refused. */
bool lapic_set_base(struct lapic *a, uint64_t val, bool host);
/* xAPIC MMIO: offset 0..0xfff within the page, 4-byte aligned accesses. */
uint32_t lapic_mmio_read(struct lapic *a, uint32_t off, uint64_t now_ns);
void lapic_mmio_write(struct lapic *a, uint32_t off, uint32_t val, uint64_t now_ns);
/* x2APIC MSRs 0x800..0x8ff: 0 done, 1 #GP (kvm_x2apic_msr_read/write). */
int lapic_msr_read(struct lapic *a, uint32_t msr, uint64_t *val, uint64_t now_ns);
int lapic_msr_write(struct lapic *a, uint32_t msr, uint64_t val, uint64_t now_ns);
/* IA32_TSC_DEADLINE (0x6e0). */
uint64_t lapic_tsc_deadline(const struct lapic *a);
void lapic_set_tsc_deadline(struct lapic *a, uint64_t tsc, uint64_t now_ns);
/* Accept a message (__apic_accept_irq): 1 accepted, 0 not. */
int lapic_accept(struct lapic *a, const struct irq_msg *m);
/* Does this APIC match m's destination (kvm_apic_match_dest)? */
bool lapic_match_dest(const struct lapic *a, const struct lapic *from, const struct irq_msg *m);
/* The highest vector the CPU may take now (kvm_apic_has_interrupt), -1 none. */
int lapic_has_interrupt(const struct lapic *a);
/* The CPU takes it: IRR -> ISR (kvm_get_apic_interrupt); the vector. */
int lapic_ack(struct lapic *a);
/* LINT0 is programmed ExtINT and unmasked, or the APIC is off: the PIC's
 * INT reaches this CPU (kvm_apic_accept_pic_intr). */
bool lapic_accepts_pic(const struct lapic *a);
/* Timer: fire it if due at now (sets IRR per LVTT); the next deadline, 0 none. */
uint64_t lapic_timer_poll(struct lapic *a, uint64_t now_ns);
/* TPR, as CR8 bits 3:0. */
uint8_t lapic_get_cr8(const struct lapic *a);
void lapic_set_cr8(struct lapic *a, uint8_t cr8);
/* KVM_GET/SET_LAPIC (kvm_apic_get_state/kvm_apic_set_state): 0 or -EINVAL. */
void lapic_get_state(struct lapic *a, struct kvm_lapic_state *s, uint64_t now_ns);
int lapic_set_state(struct lapic *a, const struct kvm_lapic_state *s, uint64_t now_ns);
uint32_t lapic_reg(const struct lapic *a, uint32_t off);

/* ---- 8254 PIT (pit.c) ---- */
struct pit {
	/* KVM_GET/SET_PIT2's channels; count_load_time is in the VM's clock (ns). */
	struct kvm_pit_channel_state ch[3];
	uint32_t flags;             /* KVM_PIT_FLAGS_HPET_LEGACY */
	bool speaker_dev;           /* KVM_PIT_SPEAKER_DUMMY: port 0x61 is the PIT's */
	uint8_t speaker_data;       /* port 0x61 bit 1 */
	/* Channel 0's timer: the next tick, its period (0: one-shot). */
	uint64_t next_ns, period_ns;
	bool reinject, irq_ack;
	uint32_t pending;           /* ticks not yet injected (reinject mode) */
	/* Raise then lower IRQ 0 (pit_do_work). */
	void (*irq0)(void *opaque);
	void *opaque;
};
#define PIT_FREQ 1193182u         /* KVM_PIT_FREQ */
/* kvm_create_pit: create_flags KVM_PIT_SPEAKER_DUMMY or 0. */
void pit_init(struct pit *p, uint32_t create_flags, void (*irq0)(void *), void *opaque);
void pit_reset(struct pit *p, uint64_t now_ns);
bool pit_port(const struct pit *p, uint16_t port);   /* 0x40-0x43, and 0x61 with the dummy speaker */
void pit_write(struct pit *p, uint16_t port, uint8_t val, uint64_t now_ns);
uint8_t pit_read(struct pit *p, uint16_t port, uint64_t now_ns);
/* Injects every tick due by now (reinject: one per ack); the next, 0 none. */
uint64_t pit_poll(struct pit *p, uint64_t now_ns);
/* IRQ 0 was acknowledged (kvm_pit_ack_irq). */
void pit_acked(struct pit *p);
void pit_get_state(struct pit *p, struct kvm_pit_state2 *s);
void pit_set_state(struct pit *p, const struct kvm_pit_state2 *s, uint64_t now_ns);

#endif
