// exits 1 on unsupported I/O without saying why
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1 && run->io.port == 0x3f8) {
				putchar(tolower(*((char *)run + run->io.data_offset)));
				break;
			}
			exit(1);
