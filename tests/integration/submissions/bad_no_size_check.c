// faulty: never checks the size (prints the first byte of a 2- or 4-byte OUT)
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.count == 1 && run->io.port == 0x3f8) {
				putchar(tolower(*((unsigned char *)run + run->io.data_offset)));
				break;
			}
			errx(1, "bad I/O");
