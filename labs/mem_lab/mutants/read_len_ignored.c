// STATUS and ID answer reads of any size (a 1-byte read of STATUS passes)
//@ TODO 2
			uint64_t gpa = run->mmio.phys_addr;
			uint32_t len = run->mmio.len;
			const char *what = run->mmio.is_write ? "write" : "read";

			/* The ROM's slot is read-only: a write to it exits. */
			if (gpa >= ROM_GPA && gpa < ROM_GPA + ROM_SIZE)
				errx(1, "guest %u-byte %s at 0x%llx: the ROM is read-only",
				     len, what, (unsigned long long)gpa);
			if (gpa < CONSOLE_GPA || gpa >= CONSOLE_GPA + CONSOLE_SIZE)
				errx(1, "guest %u-byte %s at 0x%llx: no RAM and no device there",
				     len, what, (unsigned long long)gpa);

			uint64_t reg = gpa - CONSOLE_GPA;
			if (reg == CONSOLE_DATA && run->mmio.is_write && len == 1) {
				putchar(run->mmio.data[0]);
				break;
			}
			if ((reg == CONSOLE_STATUS || reg == CONSOLE_ID) &&
			    !run->mmio.is_write) {
				uint32_t value = reg == CONSOLE_STATUS ? CONSOLE_READY
								      : CONSOLE_ID_VALUE;
				/* x86 is little-endian, as run->mmio.data is. */
				memcpy(run->mmio.data, &value, sizeof(value));
				break;
			}
			errx(1, "console: unsupported %u-byte %s at offset 0x%llx (0x%llx)",
			     len, what, (unsigned long long)reg, (unsigned long long)gpa);
