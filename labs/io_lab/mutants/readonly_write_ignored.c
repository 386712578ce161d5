// a write to a register that can't be written is ignored instead of an error
//@ TODO 1b
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
	(void)value;
