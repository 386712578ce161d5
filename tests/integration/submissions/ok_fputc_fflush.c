// correct: fputc + fflush on every byte, manual conversion of A-Z
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1 && run->io.port == 0x3f8) {
				char c = ((char *)run)[run->io.data_offset];
				if (c >= 'A' && c <= 'Z')
					c = (char)(c - 'A' + 'a');
				fputc(c, stdout);
				fflush(stdout);
				break;
			}
			errx(1, "unexpected I/O");
