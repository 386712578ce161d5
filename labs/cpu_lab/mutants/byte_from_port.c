// prints the low byte of the port number instead of the data
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1 && run->io.port == 0x3f8) {
				putchar(tolower(run->io.port & 0xff));
				break;
			}
			errx(1, "unsupported I/O on port 0x%x", run->io.port);
