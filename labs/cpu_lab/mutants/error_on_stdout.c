// reports unsupported I/O on stdout instead of stderr, then exits 1
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1 && run->io.port == 0x3f8) {
				putchar(tolower(*((char *)run + run->io.data_offset)));
				break;
			}
			printf("unsupported I/O on port 0x%x\n", run->io.port);
			exit(1);
