/* test_mem.c - memory slots and host writes to guest memory. */
#include "tests.h"
#include "check_decl.h"

CHECK_SUITE("mem", "mem", NULL, NULL, 0);

/* Three slots: code at 0x1000, data at 0x20000 and 0x30000; the guest reads
 * both and writes the second; the host sees the write. */
TEST(several_slots)
{
	struct vmm v;
	VM_STANDARD(&v, "slots");
	VM_SLOT(&v, 1, 0x20000, 0x1000)[0] = 0xa1;
	VM_SLOT(&v, 2, 0x30000, 0x2000)[0] = 0xb2;
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x10, 1);
	WANT_EQ(&v, "io data (byte at 0x20000)", 0xa1, vmm_io_data(&v)[0]);
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x11, 1);
	WANT_EQ(&v, "io data (byte at 0x30000)", 0xb2, vmm_io_data(&v)[0]);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_HLT);
	WANT_EQ(&v, "host view of 0x30001 (guest wrote 0x5a)", 0x5a, *vmm_hva(&v, 0x30001));
	vmm_close(&v);
}
END_TEST

/* Deleting slot 1 (size 0) between two KVM_RUNs: its reads become MMIO. */
TEST(slot_deletion)
{
	struct vmm v;
	VM_STANDARD(&v, "slotdel");
	VM_SLOT(&v, 1, 0x20000, 0x1000)[0] = 0x77;
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x10, 1);
	WANT_EQ(&v, "io data (byte at 0x20000)", 0x77, vmm_io_data(&v)[0]);
	VM_SLOT(&v, 1, 0x20000, 0);
	VM_RUN(&v);
	WANT_EXIT(&v, KVM_EXIT_MMIO);
	WANT_EQ(&v, "mmio.phys_addr", 0x20000, v.run->mmio.phys_addr);
	WANT_EQ(&v, "mmio.len", 1, v.run->mmio.len);
	WANT_EQ(&v, "mmio.is_write", 0, v.run->mmio.is_write);
	WANT_EQ(&v, "rip at the MMIO read", 0x1005, vmm_rip(&v));
	v.run->mmio.data[0] = 0x99;
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x10, 1);
	WANT_EQ(&v, "io data (from mmio.data)", 0x99, vmm_io_data(&v)[0]);
	vmm_close(&v);
}
END_TEST

/* The host patches code the guest already ran (mov al,1 -> mov al,7): the
 * next pass executes the new code. */
TEST(host_writes_code)
{
	struct vmm v;
	VM_STANDARD(&v, "smc");
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x10, 1);
	WANT_EQ(&v, "io data (first pass)", 1, vmm_io_data(&v)[0]);
	VM_RUN(&v);
	WANT_EQ(&v, "io data (second pass, unpatched)", 1, vmm_io_data(&v)[0]);
	*vmm_hva(&v, 0x1001) = 7;
	VM_RUN(&v);
	WANT_IO(&v, KVM_EXIT_IO_OUT, 1, 0x10, 1);
	WANT_EQ(&v, "io data (after the host patched mov al,1 to mov al,7)", 7,
		vmm_io_data(&v)[0]);
	*vmm_hva(&v, 0x1001) = 9;
	VM_RUN(&v);
	WANT_EQ(&v, "io data (patched again to 9)", 9, vmm_io_data(&v)[0]);
	vmm_close(&v);
}
END_TEST
