// no direction check: an IN from port 0x3f8 is printed as if it were an OUT
			if (run->io.size == 1 && run->io.count == 1 && run->io.port == 0x3f8) {
				putchar(tolower(*((char *)run + run->io.data_offset)));
				break;
			}
			errx(1, "unsupported I/O on port 0x%x", run->io.port);
