// (test harness, not a submission) prints every KVM_EXIT_IO with its fields and data, and lets the guest go on
			{
				unsigned char *d = (unsigned char *)run + run->io.data_offset;
				printf("IO %u %u %u %u", run->io.direction, run->io.size, run->io.count, run->io.port);
				for (unsigned i = 0; i < (unsigned)run->io.size * run->io.count; i++)
					printf(" %02x", d[i]);
				printf("\n");
				break;
			}
