// faulty: crashes (a NULL write, SIGSEGV) on bad I/O
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1 && run->io.port == 0x3f8) {
				putchar(tolower(*((unsigned char *)run + run->io.data_offset)));
				break;
			}
			fflush(stdout);
			{
				int *volatile nowhere = NULL;   /* volatile: a real store, not a trap */
				*nowhere = 1;
			}
			break;
