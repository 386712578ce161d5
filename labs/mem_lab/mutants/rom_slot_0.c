// the ROM registered as slot 0 (copy-paste of the RAM's): KVM refuses to move slot 0
//@ TODO 3
	struct kvm_userspace_memory_region rom_region = {
		.slot = RAM_SLOT,
		.flags = KVM_MEM_READONLY,
		.guest_phys_addr = ROM_GPA,
		.memory_size = ROM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)rom,
	};
	ret = ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &rom_region);
	if (ret == -1)
		err(1, "KVM_SET_USER_MEMORY_REGION (ROM)");
