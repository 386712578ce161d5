// interrupts without setting InterruptStatus: the handler finds 0 (a spurious interrupt) and acknowledges nothing
//@ TODO 4
	struct virtq_avail *avail = guest_ptr(q->driver, sizeof(*avail));

	if (avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT)
		return;
	struct kvm_irq_level irq = { .irq = VIO_IRQ, .level = 1 };
	if (ioctl(vmfd, KVM_IRQ_LINE, &irq) == -1)
		err(1, "KVM_IRQ_LINE");
	irq.level = 0;
	if (ioctl(vmfd, KVM_IRQ_LINE, &irq) == -1)
		err(1, "KVM_IRQ_LINE");
