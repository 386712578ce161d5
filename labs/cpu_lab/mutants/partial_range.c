// converts only 'A'..'M' (a range test that stops too early)
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1 && run->io.port == 0x3f8) {
				char c = *((char *)run + run->io.data_offset);
				putchar(c >= 'A' && c <= 'M' ? c - 'A' + 'a' : c);
				break;
			}
			errx(1, "unsupported I/O on port 0x%x", run->io.port);
