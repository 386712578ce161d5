// KVM_IRQ_LINE level 1 only, never back to 0: an edge-triggered PIC sees one rising edge, the first interrupt only
//@ TODO 4
	struct virtq_avail *avail = guest_ptr(q->driver, sizeof(*avail));

	if (avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT)
		return;
	dev.interrupt_status |= VIRTIO_MMIO_INT_VRING;
	struct kvm_irq_level irq = { .irq = VIO_IRQ, .level = 1 };
	if (ioctl(vmfd, KVM_IRQ_LINE, &irq) == -1)
		err(1, "KVM_IRQ_LINE");
