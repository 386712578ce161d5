// correct: a helper function that returns whether the exit was handled; write(2)
/* Handles one KVM_EXIT_IO; returns 0 when it was a byte for the serial port. */
static int serial_out(struct kvm_run *r)
{
	if (r->io.direction != KVM_EXIT_IO_OUT || r->io.size != 1 || r->io.count != 1 || r->io.port != 0x3f8)
		return -1;
	unsigned char c = (unsigned char)tolower(*((unsigned char *)r + r->io.data_offset));
	return write(STDOUT_FILENO, &c, 1) == 1 ? 0 : -1;
}
//@@ body
			if (serial_out(run) != 0)
				errx(1, "unsupported port I/O (port 0x%x)", run->io.port);
			break;
