/*
 * vm.c - the three kinds of KVM objects and their ioctls.
 *
 * Error numbers follow virt/kvm/kvm_main.c and arch/x86/kvm/x86.c: unknown
 * ioctls are EINVAL on /dev/kvm and on vCPUs (kvm_arch_dev_ioctl,
 * kvm_arch_vcpu_ioctl) but ENOTTY on VMs (kvm_arch_vm_ioctl).
 */
#include "kvmemu.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void obj_get(struct obj *o)
{
	__atomic_add_fetch(&o->refs, 1, __ATOMIC_SEQ_CST);
}

static void vm_free(struct vm *vm);
static void vcpu_free(struct vcpu *v);

void obj_put(struct obj *o)
{
	if (__atomic_sub_fetch(&o->refs, 1, __ATOMIC_SEQ_CST) != 0)
		return;
	if (o->kind == K_VM)
		vm_free((struct vm *)o);
	else if (o->kind == K_VCPU)
		vcpu_free((struct vcpu *)o);
	else
		free(o);
}

/* ---- /dev/kvm ---- */

/* KVM_CHECK_EXTENSION: only what kvmemu really implements. */
static int check_extension(unsigned long cap)
{
	switch (cap) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
		return 1;
	case KVM_CAP_NR_VCPUS:
	case KVM_CAP_MAX_VCPUS:
		return KVMEMU_MAX_VCPUS;
	case KVM_CAP_MAX_VCPU_ID:
		return 4096;              /* KVM_MAX_VCPU_IDS: ids are checked against it */
	case KVM_CAP_NR_MEMSLOTS:
		return KVMEMU_MAX_SLOTS;
	default:
		return irq_check_extension(cap) < 0 ? 0 : irq_check_extension(cap);
	}
}

static int create_vm(unsigned long type)
{
	if (type != 0)
		return -EINVAL;           /* KVM_X86_DEFAULT_VM only */
	struct vm *vm = calloc(1, sizeof *vm);
	if (!vm)
		return -ENOMEM;
	vm->o.kind = K_VM;
	vm->o.refs = 1;
	int fd = fd_new(&vm->o, "kvm-vm", 0, O_CLOEXEC);
	obj_put(&vm->o);
	return fd;
}

int sys_ioctl(struct obj *o, unsigned long req, unsigned long arg)
{
	(void)o;
	switch (req) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : KVM_API_VERSION;
	case KVM_CREATE_VM:
		return create_vm(arg);
	case KVM_CHECK_EXTENSION:
		return check_extension(arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : KVMEMU_MMAP_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
		return arg ? cpuid_get_supported((struct kvm_cpuid2 *)arg) : -EFAULT;
	case KVM_GET_MSR_INDEX_LIST:
		return arg ? msr_index_list((struct kvm_msr_list *)arg) : -EFAULT;
	default:
		if (_IOC_TYPE(req) == KVMIO)
			kvmemu_diag("/dev/kvm ioctl 0x%lx is not emulated: EINVAL", req);
		return -EINVAL;
	}
}

/* ---- VM ---- */

static struct slot *slot_at(struct vm *vm, uint64_t gpa, uint64_t len)
{
	for (int i = 0; i < KVMEMU_MAX_SLOTS; i++) {
		struct slot *s = &vm->slots[i];
		if (s->used && gpa >= s->gpa && gpa + len <= s->gpa + s->size)
			return s;
	}
	return NULL;
}

uint8_t *gpa_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	struct slot *s = slot_at(vm, gpa, len);
	return s ? s->hva + (gpa - s->gpa) : NULL;
}

bool gpa_writable(struct vm *vm, uint64_t gpa, uint64_t len)
{
	struct slot *s = slot_at(vm, gpa, len);
	return s && !(s->flags & KVM_MEM_READONLY);
}

/* mark_page_dirty_in_slot (kvm_main.c): a guest write to a logged slot. */
void slot_dirty(struct vm *vm, uint64_t gpa, uint64_t len)
{
	struct slot *s = slot_at(vm, gpa, len ? len : 1);
	if (!s || !s->dirty || (s->flags & KVM_MEM_READONLY) || !len)
		return;
	for (uint64_t pg = (gpa - s->gpa) >> 12; pg <= (gpa + len - 1 - s->gpa) >> 12; pg++)
		s->dirty[pg >> 6] |= 1ull << (pg & 63);
}

/* kvm_dirty_bitmap_bytes: a bit per page, rounded up to longs. */
static size_t dirty_bytes(const struct slot *s)
{
	return ((s->size / PAGE_SZ + 63) / 64) * 8;
}

/* KVM_GET_DIRTY_LOG (kvm_get_dirty_log_protect without manual protect):
 * the bitmap is copied out and cleared. */
static int get_dirty_log(struct vm *vm, const struct kvm_dirty_log *d)
{
	uint32_t as_id = d->slot >> 16, id = d->slot & 0xffff;
	if (as_id >= 1 || id >= KVMEMU_SLOT_IDS)
		return -EINVAL;
	struct slot *s = NULL;
	for (int i = 0; i < KVMEMU_MAX_SLOTS && !s; i++)
		if (vm->slots[i].used && vm->slots[i].id == id)
			s = &vm->slots[i];
	if (!s || !s->dirty)
		return -ENOENT;
	if (!d->dirty_bitmap)
		return -EFAULT;
	memcpy(d->dirty_bitmap, s->dirty, dirty_bytes(s));
	memset(s->dirty, 0, dirty_bytes(s));
	return 0;
}

static struct slot *slot_by_id(struct vm *vm, uint32_t id)
{
	for (int i = 0; i < KVMEMU_MAX_SLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].id == id)
			return &vm->slots[i];
	return NULL;
}

static bool overlaps(struct vm *vm, const struct slot *self, uint64_t gpa, uint64_t size)
{
	for (int i = 0; i < KVMEMU_MAX_SLOTS; i++) {
		struct slot *s = &vm->slots[i];
		if (s->used && s != self && gpa < s->gpa + s->size && s->gpa < gpa + size)
			return true;
	}
	return false;
}

static void slot_unmap(struct vm *vm, struct slot *s)
{
	for (int i = 0; i < vm->nvcpus; i++)
		cpu_unmap(vm->vcpus[i], s);
	s->used = false;
	free(s->dirty);
	s->dirty = NULL;
}

/* Mirrors check_memory_region_flags and __kvm_set_memory_region
 * (virt/kvm/kvm_main.c), their checks in their order. */
static int set_memory_region(struct vm *vm, const struct kvm_userspace_memory_region *m)
{
	if (m->flags & ~(uint32_t)(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY))
		return -EINVAL;
	if ((m->memory_size & (PAGE_SZ - 1)) || (m->guest_phys_addr & (PAGE_SZ - 1)) ||
	    (m->userspace_addr & (PAGE_SZ - 1)) || (m->slot & 0xffff) >= KVMEMU_SLOT_IDS ||
	    (m->slot >> 16) != 0 || m->guest_phys_addr + m->memory_size < m->guest_phys_addr)
		return -EINVAL;
	struct slot *old = slot_by_id(vm, m->slot);
	if (m->memory_size == 0) {            /* KVM_MR_DELETE */
		if (!old)
			return -EINVAL;
		slot_unmap(vm, old);
		return 0;
	}
	bool move = false;
	if (old) {                            /* modify an existing slot */
		if (old->hva != (uint8_t *)m->userspace_addr || old->size != m->memory_size ||
		    ((m->flags ^ old->flags) & KVM_MEM_READONLY))
			return -EINVAL;
		if (old->gpa != m->guest_phys_addr)
			move = true;          /* KVM_MR_MOVE */
		else if (old->flags == m->flags)
			return 0;             /* nothing to change */
	}
	if ((!old || move) && overlaps(vm, old, m->guest_phys_addr, m->memory_size))
		return -EEXIST;
	struct slot *s = old;
	uint64_t *keep = NULL;
	if (s) {
		/* A flags-only change keeps the bitmap while logging stays on
		 * (kvm_prepare_memory_region); a move starts a new one. */
		if (!move && (m->flags & KVM_MEM_LOG_DIRTY_PAGES)) {
			keep = s->dirty;
			s->dirty = NULL;
		}
		slot_unmap(vm, s);
	} else {
		for (int i = 0; i < KVMEMU_MAX_SLOTS && !s; i++)
			if (!vm->slots[i].used)
				s = &vm->slots[i];
		if (!s) {
			kvmemu_diag("more than %d memory slots", KVMEMU_MAX_SLOTS);
			return -ENOSPC;
		}
	}
	*s = (struct slot){ true, m->slot, m->flags, m->guest_phys_addr, m->memory_size,
			    (uint8_t *)m->userspace_addr, NULL, 0 };
	if (m->flags & KVM_MEM_LOG_DIRTY_PAGES) {
		s->dirty = keep ? keep : calloc(1, dirty_bytes(s));
		if (!s->dirty) {
			s->used = false;
			return -ENOMEM;
		}
	}
	for (int i = 0; i < vm->nvcpus; i++) {
		int r = cpu_map(vm->vcpus[i], s);
		if (r < 0) {
			while (i-- > 0)
				cpu_unmap(vm->vcpus[i], s);
			free(s->dirty);
			s->dirty = NULL;
			s->used = false;
			return r;
		}
	}
	return 0;
}

static int create_vcpu(struct vm *vm, unsigned long id)
{
	if (id >= 4096)
		return -EINVAL;
	for (int i = 0; i < vm->nvcpus; i++)
		if ((unsigned long)vm->vcpus[i]->id == id)
			return -EEXIST;       /* kvm_vm_ioctl_create_vcpu */
	if (vm->nvcpus == KVMEMU_MAX_VCPUS) {
		kvmemu_diag("more than %d vCPUs are not emulated", KVMEMU_MAX_VCPUS);
		return -EINVAL;
	}
	struct vcpu *v = calloc(1, sizeof *v);
	if (!v)
		return -ENOMEM;
	v->o.kind = K_VCPU;
	v->o.refs = 1;
	v->id = (int)id;
	v->vm = vm;
	v->pio_offset = (uint32_t)kvmemu_knob_pio_offset;
	v->string_batch = kvmemu_knob_string_batch;
	char name[32];
	snprintf(name, sizeof name, "kvm-vcpu:%lu", id);
	int fd = fd_new(&v->o, name, KVMEMU_MMAP_SIZE, O_CLOEXEC);
	if (fd < 0) {
		free(v);
		return fd;
	}
	v->run = mmap(NULL, KVMEMU_MMAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int r = v->run == MAP_FAILED ? -errno : cpu_init(v);
	if (r == 0)
		r = irq_vcpu_init(v);
	if (r < 0) {
		if (v->run != MAP_FAILED)
			munmap(v->run, KVMEMU_MMAP_SIZE);
		v->run = NULL;
		v->vm = NULL;                 /* not attached yet */
		close(fd);                    /* drops the fd's reference: frees v */
		obj_put(&v->o);
		return r;
	}
	obj_get(&vm->o);                  /* the vCPU keeps its VM alive */
	if (!vm->vcpu)
		vm->vcpu = v;
	vm->vcpus[vm->nvcpus++] = v;
	for (int i = 0; i < KVMEMU_MAX_SLOTS; i++)
		if (vm->slots[i].used)
			cpu_map(v, &vm->slots[i]);
	obj_put(&v->o);                   /* the fd holds the reference now */
	return fd;
}

static void vm_free(struct vm *vm)
{
	irq_vm_free(vm);
	for (int i = 0; i < KVMEMU_MAX_SLOTS; i++)
		free(vm->slots[i].dirty);
	free(vm);
}

static void vcpu_free(struct vcpu *v)
{
	free(v->cpuid);
	irq_vcpu_free(v);
	if (v->vm) {
		cpu_fini(v);
		struct vm *vm = v->vm;
		for (int i = 0; i < vm->nvcpus; i++)
			if (vm->vcpus[i] == v)
				vm->vcpus[i--] = vm->vcpus[--vm->nvcpus];
		if (vm->vcpu == v)
			vm->vcpu = vm->nvcpus ? vm->vcpus[0] : NULL;
		obj_put(&v->vm->o);
	}
	if (v->run)
		munmap(v->run, KVMEMU_MMAP_SIZE);
	free(v);
}

int vm_ioctl(struct vm *vm, unsigned long req, unsigned long arg)
{
	switch (req) {
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region m;
		if (!arg)
			return -EFAULT;
		memcpy(&m, (void *)arg, sizeof m);
		return set_memory_region(vm, &m);
	}
	case KVM_CREATE_VCPU:
		return create_vcpu(vm, arg);
	case KVM_SET_TSS_ADDR:
		return 0;                     /* only used by KVM's vm86 fallback */
	case KVM_SET_IDENTITY_MAP_ADDR:
		/* kvm_vm_ioctl_set_identity_map_addr: only before any vCPU; the
		 * address is for VMX's real-mode page tables, unused here. */
		if (!arg)
			return -EFAULT;
		return vm->vcpu ? -EINVAL : 0;
	case KVM_GET_DIRTY_LOG: {
		struct kvm_dirty_log d;
		if (!arg)
			return -EFAULT;
		memcpy(&d, (void *)arg, sizeof d);
		return get_dirty_log(vm, &d);
	}
	case KVM_CHECK_EXTENSION:
		return check_extension(arg);
	default: {
		int r = irq_vm_ioctl(vm, req, arg);
		if (r != -ENOTTY)
			return r;
		if (_IOC_TYPE(req) == KVMIO)
			kvmemu_diag("VM ioctl 0x%lx is not emulated: ENOTTY", req);
		return -ENOTTY;
	}
	}
}

/* ---- vCPU ---- */

int vcpu_ioctl(struct vcpu *v, unsigned long req, unsigned long arg)
{
	void *p = (void *)arg;
	switch (req) {
	case KVM_RUN:
		return arg ? -EINVAL : cpu_run(v);
	case KVM_GET_REGS:
		if (!p)
			return -EFAULT;
		cpu_get_regs(v, p);
		return 0;
	case KVM_SET_REGS:
		if (!p)
			return -EFAULT;
		cpu_set_regs(v, p);
		return 0;
	case KVM_GET_SREGS:
		if (!p)
			return -EFAULT;
		cpu_get_sregs(v, p);
		return 0;
	case KVM_SET_SREGS:
		if (!p)
			return -EFAULT;
		return cpu_set_sregs(v, p);
	case KVM_GET_MSRS:
	case KVM_SET_MSRS:
		return p ? msr_ioctl(v, p, req == KVM_SET_MSRS) : -EFAULT;
	case KVM_SET_CPUID2:
		return p ? cpuid_set(v, p) : -EFAULT;
	case KVM_GET_CPUID2:
		return p ? cpuid_get(v, p) : -EFAULT;
	default: {
		/* KVM_INTERRUPT, KVM_NMI, KVM_GET/SET_LAPIC, KVM_GET/SET_MP_STATE */
		int r = irq_vcpu_ioctl(v, req, arg);
		if (r != -ENOTTY)
			return r;
		if (_IOC_TYPE(req) == KVMIO)
			kvmemu_diag("vCPU ioctl 0x%lx is not emulated: EINVAL", req);
		return -EINVAL;
	}
	}
}
