// faulty: toupper instead of tolower
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1 && run->io.port == 0x3f8) {
				putchar(toupper(*((unsigned char *)run + run->io.data_offset)));
				break;
			}
			errx(1, "bad I/O");
