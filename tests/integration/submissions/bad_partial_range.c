// faulty: converts only 'A'..'M'
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1 && run->io.port == 0x3f8) {
				unsigned char c = *((unsigned char *)run + run->io.data_offset);
				putchar(c >= 'A' && c <= 'M' ? c + 32 : c);
				break;
			}
			errx(1, "bad I/O");
