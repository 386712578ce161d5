// QueueNumMax answers QUEUE_NUM_MAX for any QueueSel, also for queues that don't exist
//@ TODO 1a
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
		return QUEUE_NUM_MAX;
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
