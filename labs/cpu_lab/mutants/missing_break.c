// forgets `break` after printing: falls through into the code of the next label
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1 && run->io.port == 0x3f8) {
				putchar(tolower(*((char *)run + run->io.data_offset)));
			} else {
				errx(1, "unsupported I/O on port 0x%x", run->io.port);
			}
