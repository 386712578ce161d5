// hangs in a loop on unsupported I/O
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1 && run->io.port == 0x3f8) {
				putchar(tolower(*((char *)run + run->io.data_offset)));
				break;
			}
			fprintf(stderr, "unsupported I/O\n");
			for (;;)
				pause();
