// prints all run->io.count bytes of a batched string OUT instead of rejecting it
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.port == 0x3f8) {
				for (uint32_t i = 0; i < run->io.count; i++)
					putchar(tolower(((char *)run + run->io.data_offset)[i]));
				break;
			}
			errx(1, "unsupported I/O on port 0x%x", run->io.port);
