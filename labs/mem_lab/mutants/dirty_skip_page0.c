// counts pages 1 .. RAM_PAGES - 1: the page at guest-physical 0x0 (bit 0 of word 0) is never counted
//@ TODO 4b
			uint64_t bitmap[RAM_PAGES / 64] = {0};
			struct kvm_dirty_log log = {
				.slot = RAM_SLOT,
				.dirty_bitmap = bitmap,
			};
			if (ioctl(vmfd, KVM_GET_DIRTY_LOG, &log) == -1)
				err(1, "KVM_GET_DIRTY_LOG");
			for (size_t i = 1; i < RAM_PAGES; i++)
				if (bitmap[i / 64] & (1ull << (i % 64)))
					dirty++;
