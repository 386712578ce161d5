// the ROM's slot at guest-physical 0x2000000 (one zero short)
//@ TODO 3
	struct kvm_userspace_memory_region rom_region = {
		.slot = ROM_SLOT,
		.flags = KVM_MEM_READONLY,
		.guest_phys_addr = 0x2000000,
		.memory_size = ROM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)rom,
	};
	ret = ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &rom_region);
	if (ret == -1)
		err(1, "KVM_SET_USER_MEMORY_REGION (ROM)");
