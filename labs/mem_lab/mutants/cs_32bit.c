// a 32-bit code segment (l = 0, db = 1): compatibility mode runs the 64-bit code as 32-bit code
//@ TODO 1
	uint64_t *pml4 = (uint64_t *)(mem + PML4_GPA);
	uint64_t *pdpt_low = (uint64_t *)(mem + PDPT_LOW_GPA);
	uint64_t *pdpt_high = (uint64_t *)(mem + PDPT_HIGH_GPA);
	uint64_t *pd = (uint64_t *)(mem + PD_GPA);

	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i << 21) | PT_FLAGS | PTE_PS;
	pml4[0] = PDPT_LOW_GPA | PT_FLAGS;
	pdpt_low[0] = PD_GPA | PT_FLAGS;
	pml4[(ALIAS_GVA >> 39) & 511] = PDPT_HIGH_GPA | PT_FLAGS;
	pdpt_high[(ALIAS_GVA >> 30) & 511] = PD_GPA | PT_FLAGS;

	sregs.cr3 = PML4_GPA;
	sregs.cr4 = CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	sregs.cr0 = CR0_PE | CR0_ET | CR0_PG;

	struct kvm_segment code = {
		.base = 0,
		.limit = 0xffffffff,
		.selector = 0x8,
		.type = 11,
		.present = 1,
		.dpl = 0,
		.db = 1,
		.s = 1,
		.l = 0,
		.g = 1,
	};
	struct kvm_segment data = code;
	data.type = 3;
	data.selector = 0x10;
	data.l = 0;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
