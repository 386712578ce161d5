// the ROM's slot without KVM_MEM_READONLY: the guest's writes change the ROM
//@ TODO 3
	struct kvm_userspace_memory_region rom_region = {
		.slot = ROM_SLOT,
		.flags = 0,
		.guest_phys_addr = ROM_GPA,
		.memory_size = ROM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)rom,
	};
	ret = ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &rom_region);
	if (ret == -1)
		err(1, "KVM_SET_USER_MEMORY_REGION (ROM)");
