/*
 * intr.c - real-mode interrupt and exception delivery.
 *
 * Unicorn reports `int n`, int3 and faults to a hook and delivers nothing;
 * on KVM the CPU delivers them through the IVT (SDM vol. 3, 20.1.4 "Interrupt
 * and exception handling" in real-address mode). A vector past the IDT limit
 * raises #GP, a fault delivering #GP is #DF, one delivering #DF a triple
 * fault: KVM_EXIT_SHUTDOWN. IVT or stack outside every slot: KVM can't
 * deliver the event and exits KVM_EXIT_INTERNAL_ERROR, suberror
 * KVM_INTERNAL_ERROR_DELIVERY_EV (vmx.c, since Linux 6.14).
 */
#include "kvmemu.h"

#include <string.h>

static int delivery_failed(struct vcpu *v)
{
	cpu_internal_error(v, KVM_INTERNAL_ERROR_DELIVERY_EV);
	return 1;
}

int intr_deliver(struct vcpu *v, int vector, bool soft)
{
	(void)soft;
	struct cpu *c = &v->cpu;
	uc_x86_mmr idt = { 0 };
	uc.reg_read(c->uc, UC_X86_REG_IDTR, &idt);
	while ((uint32_t)vector * 4 + 3 > idt.limit) {
		if (vector == 8) {
			v->run->exit_reason = KVM_EXIT_SHUTDOWN;
			return 1;
		}
		vector = vector == 13 ? 8 : 13;
	}
	const uint8_t *ent = gpa_ptr(v->vm, idt.base + (uint64_t)vector * 4, 4);
	if (!ent)
		return delivery_failed(v);
	uint16_t off, sel;
	memcpy(&off, ent, 2);
	memcpy(&sel, ent + 2, 2);

	uint16_t sp = (uint16_t)reg_get(c, UC_X86_REG_SP);
	uint64_t ss = reg_get(c, UC_X86_REG_SS) << 4;
	uint16_t frame[3] = {
		(uint16_t)reg_get(c, UC_X86_REG_EIP),       /* IP */
		(uint16_t)reg_get(c, UC_X86_REG_CS),
		(uint16_t)reg_get(c, UC_X86_REG_EFLAGS),
	};
	for (int i = 0; i < 3; i++) {                       /* push FLAGS, CS, IP */
		sp -= 2;
		uint8_t *slot = gpa_ptr(v->vm, ss + sp, 2);
		if (!slot)
			return delivery_failed(v);
		memcpy(slot, &frame[2 - i], 2);
	}
	reg_set(c, UC_X86_REG_SP, sp);
	uint32_t fl = (uint32_t)reg_get(c, UC_X86_REG_EFLAGS);
	reg_set(c, UC_X86_REG_EFLAGS, fl & ~(0x200u | 0x100u | 0x40000u | 0x10000u)); /* IF TF AC RF */
	reg_set(c, UC_X86_REG_CS, sel);
	reg_set(c, UC_X86_REG_EIP, off);
	return 0;
}
