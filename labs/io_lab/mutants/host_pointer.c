// takes a descriptor's guest-physical address for a pointer of the VMM
//@ TODO 2
	return (void *)(uintptr_t)gpa;
