// correct: a switch on the port, nested checks, printf("%c")
			switch (run->io.port) {
			case 0x3f8:
				if (run->io.direction != KVM_EXIT_IO_OUT)
					errx(2, "serial port: input is not supported");
				if (run->io.size != 1 || run->io.count != 1)
					errx(2, "serial port: %u x %u bytes", run->io.count, run->io.size);
				printf("%c", tolower(((unsigned char *)run)[run->io.data_offset]));
				break;
			default:
				errx(2, "no device at port 0x%x", run->io.port);
			}
			break;
