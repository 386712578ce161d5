// DeviceFeatures with a select past 1 shifts by 64 or more (undefined in C) instead of answering 0
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
			return (uint32_t)(DEVICE_FEATURES >> 32);
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
