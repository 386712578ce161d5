// takes the byte from the guest's AL (KVM_GET_REGS) instead of the data area
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1 && run->io.port == 0x3f8) {
				struct kvm_regs r;
				if (ioctl(vcpufd, KVM_GET_REGS, &r) == -1)
					err(1, "KVM_GET_REGS");
				putchar(tolower((int)(r.rax & 0xff)));
				break;
			}
			errx(1, "unsupported I/O on port 0x%x", run->io.port);
