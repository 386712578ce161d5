// faulty: never checks the direction (treats IN as OUT)
			if (run->io.size == 1 && run->io.count == 1 && run->io.port == 0x3f8) {
				putchar(tolower(*((unsigned char *)run + run->io.data_offset)));
				break;
			}
			errx(1, "bad I/O");
