// (test harness, not a submission) prints every KVM_EXIT_IO with its fields and data, and lets the guest go on
			{
				unsigned char *d = (unsigned char *)run + run->io.data_offset;
				/* the byte at 4096 too: what a handler that hard-codes Linux's offset reads */
				printf("IO %u %u %u %u %llu %02x", run->io.direction, run->io.size, run->io.count,
				       run->io.port, (unsigned long long)run->io.data_offset, ((unsigned char *)run)[4096]);
				for (unsigned i = 0; i < (unsigned)run->io.size * run->io.count; i++)
					printf(" %02x", d[i]);
				printf("\n");
				break;
			}
