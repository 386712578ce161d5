// counts the non-zero words of the bitmap, not the bits
//@ TODO 4b
			uint64_t bitmap[RAM_PAGES / 64] = {0};
			struct kvm_dirty_log log = {
				.slot = RAM_SLOT,
				.dirty_bitmap = bitmap,
			};
			if (ioctl(vmfd, KVM_GET_DIRTY_LOG, &log) == -1)
				err(1, "KVM_GET_DIRTY_LOG");
			for (size_t i = 0; i < RAM_PAGES / 64; i++)
				dirty += bitmap[i] != 0;
