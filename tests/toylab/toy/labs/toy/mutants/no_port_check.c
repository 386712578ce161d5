// no port check: bytes written to any port are printed
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1) {
				putchar(toupper(*((char *)run + run->io.data_offset)));
				break;
			}
			errx(1, "unsupported I/O on port 0x%x", run->io.port);
