// correct: a non-errx error path (fprintf to stderr, exit(3)), early-return style
			{
				const int ok = run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
					       run->io.count == 1 && run->io.port == 0x3f8;
				if (!ok) {
					fprintf(stderr, "sample-qemu: unsupported I/O: dir=%u size=%u count=%u port=0x%x\n",
						run->io.direction, run->io.size, run->io.count, run->io.port);
					exit(3);
				}
				uint8_t *data = (uint8_t *)run + run->io.data_offset;
				putchar(tolower(data[0]));
			}
			break;
