// faulty: never checks the port (every port is the serial port)
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 && run->io.count == 1) {
				putchar(tolower(*((unsigned char *)run + run->io.data_offset)));
				break;
			}
			errx(1, "bad I/O");
