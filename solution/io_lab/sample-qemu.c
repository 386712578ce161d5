/*
 * sample-qemu.c — a small VMM for I/O virtualization: a 64-bit guest, a
 * virtio-mmio console device, its virtqueues and its interrupt.
 *
 * It asks the Linux kernel's KVM module for a virtual machine with one
 * virtual CPU, an in-kernel interrupt controller (the PC's two 8259 PICs,
 * an IOAPIC and a local APIC, all emulated by KVM) and this map:
 *
 *   0x00000000 - 0x003fffff  RAM, 4 MiB (memory slot 0): page tables at
 *                            0x1000-0x4fff, the stack below 0x10000, the
 *                            guest image at 0x10000, free RAM for the
 *                            guest's virtqueues and buffers above it
 *   0x10000000 - 0x100001ff  the virtio-mmio console: no memory behind it,
 *                            every access comes back as KVM_EXIT_MMIO
 *   port 0xe9 (out, 1 byte)  the guest's debug port: the byte goes to stderr
 *   port 0xf4 (out, 1 byte)  power off: 0 = the guest is done, else its driver
 *                            gave up (a line on stdout, exit status 1)
 *
 * The device is a virtio console (virtio spec 1.x, "Console Device",
 * device ID 3) behind the virtio-mmio transport (spec section 4.2, version
 * 2 of the register layout). It has two virtqueues:
 *   queue 0, receiveq:  the host's input to the guest. The guest posts
 *                       buffers the device may write (VIRTQ_DESC_F_WRITE);
 *                       the device copies HOST_INPUT into them.
 *   queue 1, transmitq: the guest's output. The guest posts buffers the
 *                       device reads; the device prints them on stdout.
 * The device tells the guest that it used buffers by an interrupt on
 * IRQ 5 of the PIC (GSI 5): a used-buffer notification.
 *
 * The vCPU starts directly in 64-bit long mode (as in mem_lab: the VMM
 * builds identity-mapping page tables and sets the control registers).
 *
 * Usage:  ./sample-qemu              run the built-in guest
 *         ./sample-qemu guest.bin    run a flat 64-bit guest image
 *
 * A guest image is a flat binary (nasm -f bin, "bits 64", "org 0x10000")
 * of at most 64 KiB, loaded at guest-physical 0x10000, where it starts.
 * guests/io_lab/README.md is the whole contract.
 *
 * The structure follows the classic example from "Using the KVM API"
 * (LWN.net, 2015): one KVM_RUN loop, one switch over the exit reasons; the
 * device is a few functions above main(). Your work is in five TODOs,
 * numbered in the order to do them:
 *   TODO 1a  the device's registers: reads   (vio_read)
 *   TODO 1b  the device's registers: writes  (vio_write)
 *   TODO 2   guest-physical addresses to pointers, bounds-checked (guest_ptr)
 *   TODO 3   serve a virtqueue when the guest notifies it (serve_queue)
 *   TODO 4   the used-buffer notification: the interrupt (notify_guest)
 * Each is between a "TODO n begins" and a "TODO n ends" line; write your
 * code there and change nothing else.
 */
#include <err.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- The guest-physical map (guests/io_lab/README.md) ---- */
#define RAM_SLOT        0
#define RAM_GPA         0x0ull                  /* RAM: 4 MiB at 0 */
#define RAM_SIZE        (4ull << 20)
#define PML4_GPA        0x1000ull               /* the guest's page tables */
#define PDPT_GPA        0x2000ull
#define PD_GPA          0x3000ull
#define STACK_TOP       0x10000ull              /* initial RSP; grows down */
#define IMAGE_GPA       0x10000ull              /* the guest image, and RIP */
#define IMAGE_MAX       0x10000                 /* 64 KiB */

#define VIO_GPA         0x10000000ull           /* the virtio-mmio device */
#define VIO_SIZE        0x200ull
#define VIO_IRQ         5                       /* its interrupt: GSI 5 */

#define DEBUG_PORT      0xe9                    /* out: a byte to stderr */
#define POWER_PORT      0xf4                    /* out: 0 done, else failed */

/* ---- virtio-mmio registers (virtio 1.x, 4.2.2): offsets from VIO_GPA ---- */
#define VIRTIO_MMIO_MAGIC_VALUE         0x000   /* R: 0x74726976, "virt" */
#define VIRTIO_MMIO_VERSION             0x004   /* R: 2 */
#define VIRTIO_MMIO_DEVICE_ID           0x008   /* R: 3, a console */
#define VIRTIO_MMIO_VENDOR_ID           0x00c   /* R: VENDOR_ID */
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010   /* R: 32 bits of DEVICE_FEATURES */
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014   /* W: which 32: 0 low, 1 high */
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020   /* W: 32 bits the driver takes */
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024   /* W: which 32 */
#define VIRTIO_MMIO_QUEUE_SEL           0x030   /* W: the queue the next 8 are about */
#define VIRTIO_MMIO_QUEUE_NUM_MAX       0x034   /* R: its maximum size, 0: no queue */
#define VIRTIO_MMIO_QUEUE_NUM           0x038   /* W: the size the driver chose */
#define VIRTIO_MMIO_QUEUE_READY         0x044   /* RW: 1 = the device may use it */
#define VIRTIO_MMIO_QUEUE_NOTIFY        0x050   /* W: "queue N has new buffers" */
#define VIRTIO_MMIO_INTERRUPT_STATUS    0x060   /* R: why the device interrupted */
#define VIRTIO_MMIO_INTERRUPT_ACK       0x064   /* W: bits the driver handled */
#define VIRTIO_MMIO_STATUS              0x070   /* RW: the driver's progress; 0 resets */
#define VIRTIO_MMIO_QUEUE_DESC_LOW      0x080   /* W: descriptor table, GPA */
#define VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW    0x090   /* W: available ring, GPA */
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH   0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW    0x0a0   /* W: used ring, GPA */
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH   0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION   0x0fc   /* R: 0 (the config never changes) */

#define VIRTIO_MAGIC            0x74726976u
#define VIRTIO_VERSION          2u
#define VIRTIO_ID_CONSOLE       3u
#define VENDOR_ID               0x42414c56u     /* "VLAB" in memory order */

/* Feature bits. The device offers exactly VIRTIO_F_VERSION_1 (bit 32):
 * "I follow virtio 1.x, not the legacy interface". */
#define VIRTIO_F_VERSION_1      (1ull << 32)
#define DEVICE_FEATURES         VIRTIO_F_VERSION_1

/* Device status bits (virtio 1.x, 2.1), written by the driver in turn. */
#define STATUS_ACKNOWLEDGE      1u      /* the driver found the device */
#define STATUS_DRIVER           2u      /* ... and knows how to drive it */
#define STATUS_DRIVER_OK        4u      /* ... and is ready: queues may be used */
#define STATUS_FEATURES_OK      8u      /* features chosen; the device may refuse */
#define STATUS_FAILED           128u    /* the driver gave up */

/* InterruptStatus bits. */
#define VIRTIO_MMIO_INT_VRING   1u      /* used-buffer notification */
#define VIRTIO_MMIO_INT_CONFIG  2u      /* configuration change (never here) */

/* ---- Split virtqueues (virtio 1.x, 2.7), in guest memory, little-endian ---- */
#define NUM_QUEUES      2
#define RECEIVEQ        0
#define TRANSMITQ       1
#define QUEUE_NUM_MAX   16              /* the largest queue the device accepts */

struct virtq_desc {                     /* the descriptor table: num of these */
	uint64_t addr;                  /* guest-physical address of the buffer */
	uint32_t len;                   /* its length in bytes */
	uint16_t flags;                 /* VIRTQ_DESC_F_* */
	uint16_t next;                  /* the next descriptor, if F_NEXT */
};
#define VIRTQ_DESC_F_NEXT       1       /* the chain goes on at `next` */
#define VIRTQ_DESC_F_WRITE      2       /* the device writes this buffer */

struct virtq_avail {                    /* the driver area (available ring) */
	uint16_t flags;                 /* VIRTQ_AVAIL_F_NO_INTERRUPT */
	uint16_t idx;                   /* where the driver puts the next entry */
	uint16_t ring[];                /* num heads of descriptor chains */
};
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1    /* "don't interrupt me" (a hint) */

struct virtq_used_elem {
	uint32_t id;                    /* the head of the chain used */
	uint32_t len;                   /* bytes the device wrote into it */
};

struct virtq_used {                     /* the device area (used ring) */
	uint16_t flags;
	uint16_t idx;                   /* where the device puts the next entry */
	struct virtq_used_elem ring[];  /* num of these */
};

/*
 * The device's state. The registers the driver writes are kept here; the
 * queues' rings live in guest memory, at the addresses the driver gave.
 */
struct queue {
	uint32_t num;                   /* QueueNum: 0 until the driver sets it */
	uint32_t ready;                 /* QueueReady */
	uint64_t desc, driver, device;  /* the three areas' guest-physical addresses */
	uint16_t last_avail;            /* the next avail ring entry to serve */
};

static struct {
	uint32_t status;                /* Status */
	uint32_t device_features_sel;   /* DeviceFeaturesSel */
	uint32_t driver_features_sel;   /* DriverFeaturesSel */
	uint64_t driver_features;       /* what the driver wrote, 64 bits */
	uint32_t queue_sel;             /* QueueSel */
	uint32_t interrupt_status;      /* InterruptStatus */
	struct queue q[NUM_QUEUES];
	size_t input_pos;               /* bytes of HOST_INPUT already delivered */
} dev;

/* What the host "types" into the console: the receiveq delivers these
 * bytes, in order, into the buffers the guest posts, until none is left. */
static const char HOST_INPUT[] __attribute__((unused)) = "ping from the host\n";
#define HOST_INPUT_LEN  (sizeof(HOST_INPUT) - 1)

static uint8_t *mem;                    /* guest RAM in this process */
static int vmfd;                        /* the VM */

/*
 * The device's reset state: what it is at power on, and again when the
 * driver writes 0 to Status. Everything the driver set is forgotten;
 * HOST_INPUT already delivered stays delivered.
 */
static void device_reset(void)
{
	size_t input_pos = dev.input_pos;

	memset(&dev, 0, sizeof(dev));
	dev.input_pos = input_pos;
}

/*
 * The device's functions, declared first so that each may call the others.
 * `unused`: the skeleton compiles without warnings before your code calls
 * them.
 */
static void *guest_ptr(uint64_t gpa, uint64_t len) __attribute__((unused));
static void serve_queue(uint32_t index) __attribute__((unused));
static void notify_guest(struct queue *q) __attribute__((unused));

/*
 * TODO 2: the host address of guest-physical [gpa, gpa + len), or NULL
 * when any byte of it is outside RAM. Guest RAM is `mem`, RAM_SIZE bytes
 * from guest-physical RAM_GPA (0). Every address in a virtqueue comes from
 * the guest: never use one as a pointer of this process, and check the
 * whole range (mind gpa + len overflowing).
 */
static void *guest_ptr(uint64_t gpa, uint64_t len)
{
	/* ---- TODO 2 begins ---- */
	if (len > RAM_SIZE || gpa > RAM_SIZE - len)
		return NULL;
	return mem + gpa;
	/* ---- TODO 2 ends ---- */
}

/*
 * TODO 3: the guest notified queue `index`: serve every chain it made
 * available since the last time (virtio 1.x, 2.7.13 and 2.7.14).
 *
 * The queue's areas, at the guest-physical addresses q->desc, q->driver
 * and q->device, get host addresses through guest_ptr(): the descriptor
 * table (q->num struct virtq_desc), the available ring (struct virtq_avail
 * with q->num entries) and the used ring (struct virtq_used, q->num
 * elements). Then, while q->last_avail != avail->idx:
 *   - the head of the next chain is avail->ring[q->last_avail % q->num];
 *   - walk the chain from that descriptor: each descriptor is a buffer
 *     (addr, len), followed by desc[next] while VIRTQ_DESC_F_NEXT is set;
 *   - transmitq: every buffer is device-readable (WRITE clear): print its
 *     bytes on stdout, as they are (fwrite);
 *     receiveq: every buffer is device-writable (WRITE set): copy the next
 *     bytes of HOST_INPUT into it (dev.input_pos says how many are gone),
 *     as many as fit. When no input is left, stop: the chain stays
 *     available for later (a console waits for its next key);
 *   - put the chain on the used ring: used->ring[used->idx % q->num] gets
 *     the head as id and the number of bytes the device WROTE into the
 *     chain as len (0 for the transmitq); then used->idx + 1 (written
 *     after the element: the guest may read the element once it sees idx);
 *   - q->last_avail + 1.
 * Indices are 16-bit counters that wrap around (uint16_t does that for
 * you); only positions in a ring are taken modulo q->num.
 * Then, if some chain was used, tell the guest: notify_guest(q) (TODO 4).
 *
 * Every one of these numbers comes from the guest. These are guest errors
 * (a message on stderr naming what is wrong, errx(1, ...)): a descriptor
 * index >= q->num; a buffer not entirely in RAM; a chain longer than
 * q->num descriptors (a loop); a buffer with the wrong direction for the
 * queue; avail->idx more than q->num ahead of q->last_avail. Check the
 * whole chain before you use any of it (as QEMU's virtqueue_pop does): of
 * a bad chain nothing is printed or written.
 */
static void serve_queue(uint32_t index)
{
	struct queue *q = &dev.q[index];
	/* ---- TODO 3 begins ---- */
	struct virtq_desc *desc = guest_ptr(q->desc, sizeof(*desc) * q->num);
	struct virtq_avail *avail = guest_ptr(q->driver, sizeof(*avail) + 2 * q->num);
	struct virtq_used *used = guest_ptr(q->device,
					    sizeof(*used) + sizeof(used->ring[0]) * q->num);
	bool used_some = false;

	if (!desc || !avail || !used)
		errx(1, "queue %u: its rings are not in RAM", index);
	while (q->last_avail != avail->idx) {
		if ((uint16_t)(avail->idx - q->last_avail) > q->num)
			errx(1, "queue %u: avail idx %u is more than %u ahead of %u",
			     index, avail->idx, q->num, q->last_avail);
		if (index == RECEIVEQ && dev.input_pos == HOST_INPUT_LEN)
			break;          /* no input left: the chain waits */
		uint16_t head = avail->ring[q->last_avail % q->num];
		/* First the whole chain is checked, then it is served. */
		uint32_t count = 0;
		for (uint16_t i = head;; i = desc[i].next) {
			if (i >= q->num)
				errx(1, "queue %u: descriptor %u, the queue has %u", index, i, q->num);
			if (++count > q->num)
				errx(1, "queue %u: the chain from descriptor %u loops", index, head);
			if (!guest_ptr(desc[i].addr, desc[i].len))
				errx(1, "queue %u: descriptor %u: buffer 0x%llx, %u bytes, is not in RAM",
				     index, i, (unsigned long long)desc[i].addr, desc[i].len);
			bool writable = desc[i].flags & VIRTQ_DESC_F_WRITE;
			if (writable != (index == RECEIVEQ))
				errx(1, "queue %u: descriptor %u is device-%s", index, i,
				     writable ? "writable" : "readable");
			if (!(desc[i].flags & VIRTQ_DESC_F_NEXT))
				break;
		}
		uint32_t written = 0;
		for (uint16_t i = head;; i = desc[i].next) {
			struct virtq_desc *d = &desc[i];
			uint8_t *buf = guest_ptr(d->addr, d->len);
			if (index == TRANSMITQ) {
				fwrite(buf, 1, d->len, stdout);
			} else {
				size_t n = HOST_INPUT_LEN - dev.input_pos;
				if (n > d->len)
					n = d->len;
				memcpy(buf, HOST_INPUT + dev.input_pos, n);
				dev.input_pos += n;
				written += (uint32_t)n;
			}
			if (!(d->flags & VIRTQ_DESC_F_NEXT))
				break;
		}
		struct virtq_used_elem *e = &used->ring[used->idx % q->num];
		e->id = head;
		e->len = written;
		used->idx++;
		q->last_avail++;
		used_some = true;
	}
	if (used_some)
		notify_guest(q);
	/* ---- TODO 3 ends ---- */
}

/*
 * TODO 4: the device used buffers of queue q: interrupt the guest (a
 * used-buffer notification, virtio 1.x 2.7.7 and 4.2.3.4), unless the
 * driver asked not to be: VIRTQ_AVAIL_F_NO_INTERRUPT in the available
 * ring's flags (then do nothing at all).
 *   - InterruptStatus gets VIRTIO_MMIO_INT_VRING (the guest's handler
 *     reads it, then writes it to InterruptACK: TODO 1b clears it);
 *   - the device's interrupt line, GSI VIO_IRQ of KVM's in-kernel
 *     interrupt controller (KVM_CREATE_IRQCHIP, done in main), gets an
 *     edge: KVM_IRQ_LINE (struct kvm_irq_level: .irq = the GSI, .level)
 *     on the VM fd, level 1 then level 0. The PIC latches the rising edge
 *     and interrupts the vCPU as soon as the guest can take it.
 */
static void notify_guest(struct queue *q)
{
	/* ---- TODO 4 begins ---- */
	struct virtq_avail *avail = guest_ptr(q->driver, sizeof(*avail));

	if (avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT)
		return;
	dev.interrupt_status |= VIRTIO_MMIO_INT_VRING;
	struct kvm_irq_level irq = { .irq = VIO_IRQ, .level = 1 };
	if (ioctl(vmfd, KVM_IRQ_LINE, &irq) == -1)
		err(1, "KVM_IRQ_LINE");
	irq.level = 0;
	if (ioctl(vmfd, KVM_IRQ_LINE, &irq) == -1)
		err(1, "KVM_IRQ_LINE");
	/* ---- TODO 4 ends ---- */
}

/*
 * TODO 1a: the guest read the 32-bit register at `offset`: return its
 * value (virtio 1.x, 4.2.2; the names are the VIRTIO_MMIO_* above):
 *   MagicValue VIRTIO_MAGIC, Version VIRTIO_VERSION, DeviceID
 *   VIRTIO_ID_CONSOLE, VendorID VENDOR_ID;
 *   DeviceFeatures: bits 32 * sel .. 32 * sel + 31 of DEVICE_FEATURES,
 *     sel = the last DeviceFeaturesSel written (0 past the 64 bits);
 *   QueueNumMax: QUEUE_NUM_MAX for the selected queue (QueueSel), 0 if
 *     there is no such queue; QueueReady: the selected queue's;
 *   InterruptStatus, Status: the device's; ConfigGeneration: 0.
 * Any other offset (a write-only register, no register at all) is a
 * guest error: a message on stderr naming the offset, errx(1, ...).
 */
static uint32_t vio_read(uint64_t offset)
{
	/* ---- TODO 1a begins ---- */
	uint32_t sel = dev.queue_sel;

	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VIRTIO_VERSION;
	case VIRTIO_MMIO_DEVICE_ID:
		return VIRTIO_ID_CONSOLE;
	case VIRTIO_MMIO_VENDOR_ID:
		return VENDOR_ID;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (dev.device_features_sel > 1)
			return 0;
		return (uint32_t)(DEVICE_FEATURES >> (32 * dev.device_features_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return sel < NUM_QUEUES ? QUEUE_NUM_MAX : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return sel < NUM_QUEUES ? dev.q[sel].ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return dev.interrupt_status;
	case VIRTIO_MMIO_STATUS:
		return dev.status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0;
	}
	errx(1, "virtio: read of offset 0x%03llx: no readable register there",
	     (unsigned long long)offset);
	/* ---- TODO 1a ends ---- */
}

/*
 * TODO 1b: the guest wrote `value` to the 32-bit register at `offset`:
 *   DeviceFeaturesSel, DriverFeaturesSel, QueueSel: remember the value;
 *   DriverFeatures: bits 32 * sel .. 32 * sel + 31 of
 *     dev.driver_features (sel = DriverFeaturesSel; ignore sel > 1);
 *   Status: 0 resets the device (device_reset()). Else store it, but
 *     when it sets STATUS_FEATURES_OK, accept the driver's features only
 *     if they are ones the device offers (DEVICE_FEATURES) and include
 *     VIRTIO_F_VERSION_1; otherwise store it without STATUS_FEATURES_OK
 *     (the driver reads Status back to see whether the device agreed);
 *   InterruptACK: clear those bits of InterruptStatus;
 *   QueueNum: the selected queue's size: 1 .. QUEUE_NUM_MAX, a power of
 *     2, else a guest error; QueueReady: the selected queue's (0 or 1);
 *   QueueDesc/Driver/Device Low/High: the low/high 32 bits of the
 *     selected queue's three addresses;
 *   QueueNotify: `value` is a queue's index; serve_queue(value) if that
 *     queue is ready, ignore the notification if it is not; a queue that
 *     doesn't exist is a guest error.
 * The selected queue (QueueSel) must exist for the Queue* registers;
 * any other offset, or a read-only register, is a guest error.
 */
static void vio_write(uint64_t offset, uint32_t value)
{
	/* ---- TODO 1b begins ---- */
	struct queue *q = dev.queue_sel < NUM_QUEUES ? &dev.q[dev.queue_sel] : NULL;

	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		dev.device_features_sel = value;
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		dev.driver_features_sel = value;
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (dev.driver_features_sel <= 1) {
			unsigned shift = 32 * dev.driver_features_sel;
			dev.driver_features &= ~(0xffffffffull << shift);
			dev.driver_features |= (uint64_t)value << shift;
		}
		return;
	case VIRTIO_MMIO_QUEUE_SEL:
		dev.queue_sel = value;
		return;
	case VIRTIO_MMIO_STATUS:
		if (value == 0)
			device_reset();         /* Status is 0 again */
		else if ((value & STATUS_FEATURES_OK) && !(dev.status & STATUS_FEATURES_OK) &&
			 ((dev.driver_features & ~DEVICE_FEATURES) ||
			  !(dev.driver_features & VIRTIO_F_VERSION_1)))
			value &= ~STATUS_FEATURES_OK;
		dev.status = value;
		return;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		dev.interrupt_status &= ~value;
		return;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (value >= NUM_QUEUES)
			errx(1, "virtio: notify of queue %u: there is no such queue", value);
		if (dev.q[value].ready)
			serve_queue(value);
		return;
	}
	if (offset >= VIRTIO_MMIO_QUEUE_NUM && offset <= VIRTIO_MMIO_QUEUE_DEVICE_HIGH && !q)
		errx(1, "virtio: write of offset 0x%03llx for queue %u: there is no such queue",
		     (unsigned long long)offset, dev.queue_sel);
	switch (offset) {
	case VIRTIO_MMIO_QUEUE_NUM:
		if (value == 0 || value > QUEUE_NUM_MAX || (value & (value - 1)))
			errx(1, "virtio: queue %u: size %u (1 .. %u, a power of 2)",
			     dev.queue_sel, value, QUEUE_NUM_MAX);
		q->num = value;
		return;
	case VIRTIO_MMIO_QUEUE_READY:
		q->ready = value & 1;
		return;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		q->desc = (q->desc & ~0xffffffffull) | value;
		return;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		q->desc = (q->desc & 0xffffffffull) | (uint64_t)value << 32;
		return;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
		q->driver = (q->driver & ~0xffffffffull) | value;
		return;
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		q->driver = (q->driver & 0xffffffffull) | (uint64_t)value << 32;
		return;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
		q->device = (q->device & ~0xffffffffull) | value;
		return;
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		q->device = (q->device & 0xffffffffull) | (uint64_t)value << 32;
		return;
	}
	errx(1, "virtio: write of 0x%x to offset 0x%03llx: no writable register there",
	     value, (unsigned long long)offset);
	/* ---- TODO 1b ends ---- */
}

/*
 * The built-in guest, used when no image is given: it only says where the
 * real guests are (a virtio driver is too long to be bytes here). It
 * prints through the debug port (stderr) and powers off:
 *
 *   0x10000  48 8d 35 0b 00 00 00  lea  rsi, [rel msg]   ; rsi = 0x10012
 *   0x10007  ac                    .next: lodsb
 *   0x10008  84 c0                 test al, al
 *   0x1000a  74 04                 jz   .off
 *   0x1000c  e6 e9                 out  0xe9, al        ; -> KVM_EXIT_IO
 *   0x1000e  eb f7                 jmp  .next
 *   0x10010  e6 f4                 .off: out 0xf4, al   ; al = 0: power off
 *   0x10012  "No guest given: ...\n", 0
 */
static const uint8_t hello_guest[] = {
	0x48, 0x8d, 0x35, 0x0b, 0x00, 0x00, 0x00,
	0xac,
	0x84, 0xc0,
	0x74, 0x04,
	0xe6, 0xe9,
	0xeb, 0xf7,
	0xe6, 0xf4,
	'N', 'o', ' ', 'g', 'u', 'e', 's', 't', ' ', 'g', 'i', 'v', 'e', 'n', ':',
	' ', 't', 'r', 'y', ' ', '.', '/', 's', 'a', 'm', 'p', 'l', 'e', '-',
	'q', 'e', 'm', 'u', ' ', 'g', 'u', 'e', 's', 't', 's', '/', 'h', 'e',
	'l', 'l', 'o', '.', 'b', 'i', 'n', '\n', 0,
};

/*
 * Copy the guest image at `path` into `dest` (capacity IMAGE_MAX).
 * Any problem is fatal: one line on stderr and exit status 1.
 */
static void load_image(const char *path, uint8_t *dest)
{
	int fd = open(path, O_RDONLY);
	if (fd == -1)
		err(1, "guest image %s", path);

	struct stat st;
	if (fstat(fd, &st) == -1)
		err(1, "guest image %s", path);
	if (!S_ISREG(st.st_mode))
		errx(1, "guest image %s: not a regular file", path);
	if (st.st_size == 0)
		errx(1, "guest image %s: empty file", path);
	if (st.st_size > IMAGE_MAX)
		errx(1, "guest image %s: %lld bytes, more than the %d allowed",
		     path, (long long)st.st_size, IMAGE_MAX);

	/* read() may return less than asked: loop until the end of the file. */
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, dest + len, IMAGE_MAX - len);
		if (n == -1)
			err(1, "guest image %s", path);
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == IMAGE_MAX) {
			/* Full: the file must end here (it may have grown since fstat). */
			uint8_t extra;
			if (read(fd, &extra, 1) != 0)
				errx(1, "guest image %s: more than %d bytes", path, IMAGE_MAX);
			break;
		}
	}
	close(fd);
	if (len == 0)
		errx(1, "guest image %s: empty file", path);
}

/*
 * Long mode, as mem_lab's boot loader does it: page tables that identity-
 * map the first GiB with 2 MiB pages (RAM and the device), CR3, CR4.PAE,
 * EFER.LME/LMA, CR0.PE/PG, a 64-bit code segment and flat data segments.
 * Every entry has Accessed and Dirty preset, so the CPU never writes them.
 */
static void setup_long_mode(int vcpufd)
{
	uint64_t *pml4 = (uint64_t *)(mem + PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(mem + PDPT_GPA);
	uint64_t *pd = (uint64_t *)(mem + PD_GPA);
	const uint64_t flags = 0x63;    /* present, writable, accessed, dirty */

	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i << 21) | flags | 0x80;       /* 0x80: a 2 MiB page */
	pml4[0] = PDPT_GPA | flags;
	pdpt[0] = PD_GPA | flags;

	struct kvm_sregs sregs;
	if (ioctl(vcpufd, KVM_GET_SREGS, &sregs) == -1)
		err(1, "KVM_GET_SREGS");
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = 1u << 5;                            /* PAE */
	sregs.efer = (1u << 8) | (1u << 10);            /* LME, LMA */
	sregs.cr0 = (1u << 0) | (1u << 4) | (1u << 31); /* PE, ET, PG */
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x8,
		.type = 11, .present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = code;
	data.type = 3;
	data.selector = 0x10;
	data.l = 0;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	if (ioctl(vcpufd, KVM_SET_SREGS, &sregs) == -1)
		err(1, "KVM_SET_SREGS");

	/* Start at the image, with a stack below it, interrupts off. */
	struct kvm_regs regs = { .rip = IMAGE_GPA, .rsp = STACK_TOP, .rflags = 0x2 };
	if (ioctl(vcpufd, KVM_SET_REGS, &regs) == -1)
		err(1, "KVM_SET_REGS");
}

int main(int argc, char *argv[])
{
	int kvm, vcpufd, ret;
	size_t mmap_size;
	struct kvm_run *run;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [guest.bin]\n", argv[0]);
		return 2;
	}

	/* /dev/kvm is the entry point to KVM: every VM starts from this fd. */
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm == -1)
		err(1, "/dev/kvm");
	ret = ioctl(kvm, KVM_GET_API_VERSION, NULL);
	if (ret == -1)
		err(1, "KVM_GET_API_VERSION");
	if (ret != 12)
		errx(1, "KVM_GET_API_VERSION %d, expected 12", ret);
	/* The in-kernel interrupt controller is an extension: ask first. */
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0)
		errx(1, "this KVM has no in-kernel irqchip (KVM_CAP_IRQCHIP)");

	/* KVM_CREATE_VM: a new, empty virtual machine (no memory, no CPUs). */
	vmfd = ioctl(kvm, KVM_CREATE_VM, (unsigned long)0);
	if (vmfd == -1)
		err(1, "KVM_CREATE_VM");

	/*
	 * KVM_CREATE_IRQCHIP: KVM emulates the PC's interrupt controllers
	 * itself, in the kernel: two 8259 PICs (I/O ports 0x20-0x21,
	 * 0xa0-0xa1: the guest programs them without exits), an IOAPIC and,
	 * for each vCPU made after this, a local APIC. GSIs 0-15 are wired to
	 * the PICs' pins (and the IOAPIC's); KVM_IRQ_LINE drives them. One
	 * consequence: HLT no longer exits to user space, the vCPU sleeps in
	 * the kernel until an interrupt wakes it. The guest ends its run
	 * through POWER_PORT instead.
	 */
	if (ioctl(vmfd, KVM_CREATE_IRQCHIP, 0) == -1)
		err(1, "KVM_CREATE_IRQCHIP");

	/* Guest RAM: ordinary, page-aligned, zero-filled memory of this process. */
	mem = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		err(1, "allocating guest memory");
	if (argc == 2)
		load_image(argv[1], mem + IMAGE_GPA);
	else
		memcpy(mem + IMAGE_GPA, hello_guest, sizeof(hello_guest));

	struct kvm_userspace_memory_region region = {
		.slot = RAM_SLOT,
		.flags = 0,
		.guest_phys_addr = RAM_GPA,
		.memory_size = RAM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)mem,
	};
	if (ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &region) == -1)
		err(1, "KVM_SET_USER_MEMORY_REGION");

	/* KVM_CREATE_VCPU: virtual CPU number 0, with its local APIC. */
	vcpufd = ioctl(vmfd, KVM_CREATE_VCPU, (unsigned long)0);
	if (vcpufd == -1)
		err(1, "KVM_CREATE_VCPU");
	ret = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (ret == -1)
		err(1, "KVM_GET_VCPU_MMAP_SIZE");
	mmap_size = (size_t)ret;
	if (mmap_size < sizeof(*run))
		errx(1, "KVM_GET_VCPU_MMAP_SIZE unexpectedly small");
	run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpufd, 0);
	if (run == MAP_FAILED)
		err(1, "mmap vcpu");

	setup_long_mode(vcpufd);
	device_reset();

	/*
	 * Run the guest. KVM_RUN returns each time the guest needs us;
	 * after we have handled the exit, the loop enters the guest again.
	 */
	while (1) {
		ret = ioctl(vcpufd, KVM_RUN, NULL);
		if (ret == -1)
			err(1, "KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_MMIO: {
			/*
			 * The guest accessed a guest-physical address with no
			 * RAM behind it. The device's registers are 32 bits wide
			 * and 32-bit aligned; the guest's driver only makes such
			 * accesses. A read's value goes into run->mmio.data (the
			 * next KVM_RUN gives it to the guest); a write's value is
			 * there. x86 and virtio-mmio are both little-endian.
			 */
			uint64_t gpa = run->mmio.phys_addr;
			uint32_t value;

			if (gpa < VIO_GPA || gpa >= VIO_GPA + VIO_SIZE)
				errx(1, "guest %u-byte %s at 0x%llx: no RAM and no device there",
				     run->mmio.len, run->mmio.is_write ? "write" : "read",
				     (unsigned long long)gpa);
			if (run->mmio.len != 4 || gpa % 4 != 0)
				errx(1, "virtio: %u-byte access at offset 0x%03llx: registers are 32-bit",
				     run->mmio.len, (unsigned long long)(gpa - VIO_GPA));
			if (run->mmio.is_write) {
				memcpy(&value, run->mmio.data, sizeof(value));
				vio_write(gpa - VIO_GPA, value);
			} else {
				value = vio_read(gpa - VIO_GPA);
				memcpy(run->mmio.data, &value, sizeof(value));
			}
			break;
		}
		case KVM_EXIT_IO:
			/*
			 * The two ports of this machine (OUT, 1 byte): the debug
			 * port, where the guest's driver says what went wrong
			 * (to stderr: it is not graded), and power off.
			 */
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1) {
				uint8_t byte = *((uint8_t *)run + run->io.data_offset);
				if (run->io.port == DEBUG_PORT) {
					fputc(byte, stderr);
					break;
				}
				if (run->io.port == POWER_PORT) {
					if (byte == 0)
						return 0;
					/*
					 * The guest's driver gave up (its reason is on
					 * stderr). Said on stdout too, so that the run
					 * never looks like the device's own error.
					 */
					printf("[the guest gave up: failure code %u]\n", byte);
					errx(1, "the guest powered off with failure code %u", byte);
				}
			}
			errx(1, "KVM_EXIT_IO: %s of %u bytes on port 0x%x: no such port",
			     run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			     run->io.size, run->io.port);
		case KVM_EXIT_HLT:
			/* Not with the in-kernel irqchip: HLT waits in the kernel. */
			errx(1, "KVM_EXIT_HLT: unexpected with KVM_CREATE_IRQCHIP");
		case KVM_EXIT_FAIL_ENTRY:
			errx(1, "KVM_EXIT_FAIL_ENTRY: hardware_entry_failure_reason = 0x%llx",
			     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		case KVM_EXIT_INTERNAL_ERROR:
			errx(1, "KVM_EXIT_INTERNAL_ERROR: suberror = 0x%x",
			     run->internal.suberror);
		case KVM_EXIT_SHUTDOWN:
			/* A triple fault: an exception the guest could not handle. */
			errx(1, "KVM_EXIT_SHUTDOWN: the guest triple-faulted");
		default:
			errx(1, "unexpected exit_reason = %u", run->exit_reason);
		}
	}
}
