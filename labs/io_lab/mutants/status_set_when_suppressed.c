// sets InterruptStatus before looking at VIRTQ_AVAIL_F_NO_INTERRUPT: no interrupt, but the bit is set
//@ TODO 4
	struct virtq_avail *avail = guest_ptr(q->driver, sizeof(*avail));

	dev.interrupt_status |= VIRTIO_MMIO_INT_VRING;
	if (avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT)
		return;
	struct kvm_irq_level irq = { .irq = VIO_IRQ, .level = 1 };
	if (ioctl(vmfd, KVM_IRQ_LINE, &irq) == -1)
		err(1, "KVM_IRQ_LINE");
	irq.level = 0;
	if (ioctl(vmfd, KVM_IRQ_LINE, &irq) == -1)
		err(1, "KVM_IRQ_LINE");
