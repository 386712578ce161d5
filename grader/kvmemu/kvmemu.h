/*
 * kvmemu: a software /dev/kvm for unmodified, dynamically linked KVM programs.
 *
 * The library is preloaded (scripts/kvm-emu). It hands out real file
 * descriptors (memfds) for /dev/kvm, VMs and vCPUs, answers their ioctls the
 * way Linux KVM does, and runs the guest on Unicorn 2.1 (QEMU's TCG): real
 * mode, protected mode, paging (32-bit, PAE, 4-level) and long mode. What it
 * can't reproduce stops with a `kvmemu:` diagnostic and the error KVM would
 * give (README.md lists both).
 *
 * One header for the whole library: the objects, and one section per file.
 * The architecture's own names (CR0_PG, X86_GP, DESC_L...) are in x86.h.
 */
#ifndef KVMEMU_H
#define KVMEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
#include <unicorn/unicorn.h>
#include "irqchip.h"

#include "x86.h"

#define KVMEMU_MMAP_SIZE  12288   /* kvm_run page + PIO data page + coalesced-MMIO page */
#define KVMEMU_PIO_OFFSET 4096    /* KVM_PIO_PAGE_OFFSET * PAGE_SIZE */
#define KVMEMU_MAX_SLOTS  32      /* KVM has 32764; a lab VMM uses one or two */
#define KVMEMU_MAX_VCPUS  8       /* each runs in its caller's thread, on its own engine */
#define KVMEMU_SLOT_IDS   32764   /* valid slot ids: 0 .. KVMEMU_SLOT_IDS-1 */
#define PAGE_SZ           4096u
#define KVMEMU_TCG_BUFFER (32u << 20)   /* Unicorn's JIT code buffer (its default: 1 GiB); KVMEMU_TCG_MB */

/* ---- the objects behind the file descriptors (vm.c) ---- */

enum kind { K_SYS = 1, K_VM, K_VCPU };

struct obj {
	enum kind kind;
	int refs;                 /* one per fd referring to it, plus owners */
};

struct slot {
	bool used;
	uint32_t id, flags;
	uint64_t gpa, size;
	uint8_t *hva;
	uint64_t *dirty;          /* KVM_MEM_LOG_DIRTY_PAGES: a bit per 4 KiB page */
	uc_hook dirty_hook;       /* the write hook that sets those bits */
};

struct vcpu;

struct vm {
	struct obj o;
	struct slot slots[KVMEMU_MAX_SLOTS];
	struct vcpu *vcpu;        /* the first vCPU created (the clock's, the PIC's) */
	struct vcpu *vcpus[KVMEMU_MAX_VCPUS];   /* by creation order */
	int nvcpus;
	struct vmirq *irq;        /* interrupt devices, routing, irqfds (irq.c) */
};

/* What the next KVM_RUN must finish before the guest runs on (KVM's
 * complete_userspace_io). */
enum pending {
	P_NONE,
	P_SKIP,       /* OUT: advance RIP past the instruction if unchanged */
	P_IN,         /* IN: merge the data into AL/AX/EAX, then skip */
	P_INS,        /* ins batch: store the data at ES:DI, advance DI/CX */
	P_MMIO,       /* MMIO: the next piece's exit, or run the instruction (mmio.c) */
};

/* Why uc_emu_start returned (set by the hooks). */
enum stop {
	S_NONE,       /* nothing asked: hlt, or an error code from Unicorn */
	S_RETRANSLATE,/* a block got an instruction hook: run it again */
	S_IO,         /* stopped before an IN/OUT/INS/OUTS at stop_lip */
	S_SIGNAL,     /* a signal handler ran */
	S_INTR,       /* int n / exception intno */
	S_MMIO,       /* an access to MMIO or a read-only slot (mmio_fault_*) */
	S_STEPPED,    /* the MMIO instruction (mmio_lip) has run */
	S_ESCAPED,    /* Unicorn's own IN/OUT path ran: a bug, reported */
	S_MSR,        /* stopped before a RDMSR/WRMSR/RDTSC at stop_lip */
	S_SYSCALL,    /* SYSCALL at stop_lip (Unicorn only calls the hook) */
	S_SYSENTER,   /* SYSENTER: not emulated */
	S_CR,         /* stopped before a MOV to CR4 or to/from CR8 at stop_lip */
	S_RETF,       /* stopped before a real-mode RETF at stop_lip (cpu.c real_retf) */
	S_IRQ,        /* a kick, a timer deadline or an open IRQ window (irq.c) */
};

/* An exception or interrupt to deliver (event.c). */
enum event_kind {
	EV_EXCEPTION,     /* a fault or trap the CPU raises (error code if the vector has one) */
	EV_SOFT_INT,      /* INT n, INT3, INTO: gate DPL checked, no error code */
	EV_EXT_INT,       /* an external interrupt (a PIC or APIC vector) */
	EV_NMI,
};
struct event {
	enum event_kind kind;
	uint8_t vector;
	bool has_err;             /* EV_EXCEPTION: push err (event_exception sets it) */
	uint32_t err;
	uint64_t cr2;             /* #PF: the faulting linear address */
};
#define MAX_CODE_HOOKS 256

/* A set of page numbers, each with a pointer (pageset.c). */
struct pageset {
	uint64_t *keys;           /* page + 1; 0 = empty */
	void **vals;
	uint32_t cap, n;
};
void *ps_get(const struct pageset *ps, uint64_t page);
int ps_put(struct pageset *ps, uint64_t page, void *val);   /* 0 or -1 (ENOMEM) */
void ps_clear(struct pageset *ps, bool free_vals);

/* Segment register indexes in struct env / kvm order. */
enum { SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, SEG_TR, SEG_LDT };

/* QEMU's segment cache (env.c). */
struct segcache {
	uint32_t selector, limit, flags;
	uint64_t base;
};

/* What the engine holds that its register API doesn't show (env.c). */
struct env {
	bool valid;               /* read since the guest last ran */
	struct segcache seg[8];   /* cs ds es fs gs ss tr ldt */
	uint32_t hflags;
	uint64_t efer;
};

#define NO_LIP (~0ull)   /* no linear address */

struct cpu {
	uc_engine *uc;
	uc_context *ctx;          /* the front of the engine's CPU state (env.c) */
	uc_context *ctx_full;     /* through old_exception: an exception's error code */
	size_t off_dr;            /* offset of dr[0] in it */
	struct vcpu *v;
	enum stop stop;
	uint64_t stop_lip;        /* linear address of the instruction */
	uint64_t block_lip;       /* block_hook stopped the engine before this block */
	bool block_stop;
	uint32_t stop_len;
	struct event event;       /* S_INTR: what the engine raised */

	/* Instruction hooks only where a block holds an I/O opcode byte. */
	uc_hook code_hooks[MAX_CODE_HOOKS];
	int ncode;
	struct pageset covered;   /* linear page -> bitmap of hooked bytes */
	bool all_covered;         /* past MAX_CODE_HOOKS: one hook everywhere */
	bool flush_pending;       /* drop all translations before the engine runs again */
	/* Where I/O, RDMSR/WRMSR and MOV CRn may start: the engine's exit
	 * addresses (UC_CTL_UC_EXITS, sorted), found by block_hook; and the
	 * opcode bytes they were made for (linear page -> bitmap). */
	uint64_t *exits;
	uint32_t *exit_hits;      /* stops at each (a hot one becomes an instruction hook) */
	uint32_t nexits, capexits;
	uint32_t prune_at;        /* exits_prune when nexits reaches it (0: PRUNE_MIN) */
	uint64_t stale_lip;       /* a dropped exit's stop removed since the last prune */
	struct pageset cand;
	uint64_t tcg_used;        /* the code buffer's estimated use since its last flush */

	/* Pages translated code came from, with the bytes they held when
	 * first seen or at the last exit: the host may rewrite them between
	 * two KVM_RUNs. */
	struct pageset code_pages;    /* guest-physical page -> struct code_page */
	struct code_page **exit_pages;    /* those copied at each exit (cpu.c) */
	struct pageset written;       /* pages found changed at a KVM_RUN: copied at each exit */
	uint32_t nexit_pages, capexit_pages;

	/* MMIO in flight (mmio.c): the instruction's access in parts, one a
	 * page (x86.c emulator_read_write_onepage), and the exits made of them. */
	struct mmio_part {
		uint64_t gpa;
		uint32_t len;
		enum { MP_RAM, MP_ROM, MP_MMIO } kind;   /* MP_ROM: a read-only slot */
		uint8_t data[16];     /* a read's, from user space; a write's, from the guest */
		uint16_t written;     /* bytes of data the instruction wrote */
		struct slot *slot;    /* MP_ROM: its slot, writable during the step */
		uint8_t saved[16];    /* MP_ROM: the slot's bytes before the step */
		bool rd, wr;          /* the instruction reads it, may write it */
	} mmio_part[4];           /* an operand's two pages; MOVS: two operands */
	uint32_t mmio_nparts;
	uint64_t mmio_fault_gpa;  /* the engine's faulting piece */
	uint32_t mmio_fault_len;
	bool mmio_fault_write;
	bool mmio_decoded;        /* the parts are the decoded operand's (else the fault's) */
	bool mmio_string;         /* a string instruction: one element a step (cpu.c) */
	uint64_t mmio_rsi, mmio_rdi;  /* ...and its registers before the element */
	uint64_t mmio_rf_next;    /* where a REP string instruction whose RF was set ends */
	bool mmio_exit_write;     /* the exits being made are the write ones */
	uint32_t mmio_cur, mmio_off;  /* the exit in flight: part, offset in it */
	uint64_t mmio_lip;        /* the instruction */
	uint64_t mmio_ea;         /* its decoded operand's linear address (split_operand) */
	uint64_t mmio_leaf;       /* gpa of the entry mapping it, D clear before the step */
	int mmio_leaf_size;       /* ...its size (4 or 8); 0: none noted (mmio.c leaf_note) */
	uint64_t tb_lip;          /* where the engine's current block began (block_hook) */
	uint64_t tb_end;          /* and where it ends; both NO_LIP before a run's first block */
	bool stop_by_hook;        /* the I/O, MSR or CR stop came from an instruction hook, not an exit */
	uint64_t mmio_sysflags;   /* RFLAGS but CF..OF at the access (env_sysflags) */
	uint32_t mmio_insn_len;   /* its length (mmio_decoded) */
	bool mmio_step;           /* it runs once now, its MMIO served by mmio.c */
	bool mmio_done;           /* ...and has started: cpu.c stops at the next one */
	bool mmio_unhandled;      /* an access the step couldn't serve: internal error */
	struct mmio_page {
		struct vcpu *v;
		uint64_t page;
	} mmio_map[4];            /* pages mapped as Unicorn MMIO for the step */
	uint32_t mmio_nmap;

	struct env env;
	uint8_t blockbuf[8192];   /* a translated block's bytes, for block_hook */
	/* Blocks already scanned: where (address, CR3 or ~0 without paging),
	 * their bytes' host address and hash. A hit skips the walk and the
	 * scan (4x in tight loops); the hash catches code the guest rewrote.
	 * Cleared when the host rewrites code or changes slots. */
	struct { uint64_t addr, cr3, hash; const uint8_t *host; uint32_t size; } seen[1024];
	/* mmu.c's last translation (paging on), valid until the guest runs. */
	bool xlat_valid;
	struct pageset ad_tables;     /* page-table page -> hash of its A/D bits (mmu.c) */
	bool ad_warned, straddle_warned;
	uint64_t xlat_cr3, xlat_page, xlat_gpa;
	/* KVM_SET_SREGS's segments as given, and their engine form: GET returns
	 * them unchanged (unusable bit included) while the engine still holds
	 * exactly that. */
	struct kvm_segment sreg[8];
	struct segcache sreg_q[8];
	uint64_t cr8, apic_base, misc_enable, pat;
	uint64_t cr2;             /* the guest's CR2 (env_set_cr2; env_after_run puts it back) */
	uint64_t mtrr_def_type, mcg_cap, mcg_status, ucode_rev;
	/* msr.c: the MTRRs (mtrr.c), the MCE banks (set_msr_mce), AMD's HWCR,
	 * DE_CFG and VM_HSAVE_PA, as written. */
	uint64_t mtrr_fixed[11], mtrr_var[16], mcg_ctl, mce_banks[32 * 4], mci_ctl2[32];
	uint64_t hwcr, decfg, hsave_pa;
	uint64_t tsc_offset;      /* the guest's TSC minus the VM's clock (msr.c) */
	uint64_t xcr0;            /* XSETBV's (reset: x87 only) */
	uint64_t cr4_dropped;     /* CR4 bits KVM_SET_SREGS gave that the engine can't hold */
	uint64_t kvm_pv[9];       /* KVM's paravirtual MSRs 0x4b564d00..08, as written */
	/* Guest progress (bytes of code run: the virtual clock, irq.c), the
	 * point the block hook stops at for a timer, and whether it stops
	 * once IF is set (an IRQ window). */
	uint64_t vtime, vdeadline;
	bool irq_window, irq_hold;
};
struct vcpu {
	struct obj o;
	struct vm *vm;
	int id;
	struct kvm_run *run;      /* our mapping of the vCPU memfd */
	uint32_t pio_offset;
	bool string_batch;
	struct cpu cpu;

	/* Completion state of the last exit. */
	enum pending pending;
	uint64_t pending_lip;     /* linear RIP the exit was taken at */
	uint32_t pending_len;     /* its instruction length */
	uint32_t ins_count;       /* P_INS: elements in the batch */
	uint32_t ins_size;
	bool ins_rep;
	bool has_run;             /* KVM_RUN was called (KVM_SET_CPUID2 freezes) */
	struct kvm_cpuid_entry2 *cpuid;   /* KVM_SET_CPUID2's entries */
	uint32_t ncpuid;
	int ins_asz;              /* address size of the INS: 2, 4 or 8 */
	struct vcpu_irq *irq;     /* irq.c */
	volatile int irq_kick;    /* an interrupt may be deliverable: stop and look */
};

/* ---- libunicorn, loaded on the first open of /dev/kvm (ucapi.c) ---- */

struct ucapi {
	uc_err (*open)(uc_arch, uc_mode, uc_engine **);
	uc_err (*close)(uc_engine *);
	uc_err (*mem_map_ptr)(uc_engine *, uint64_t, size_t, uint32_t, void *);
	uc_err (*mem_unmap)(uc_engine *, uint64_t, size_t);
	uc_err (*mem_protect)(uc_engine *, uint64_t, size_t, uint32_t);
	uc_err (*mmio_map)(uc_engine *, uint64_t, size_t, uc_cb_mmio_read_t, void *,
			   uc_cb_mmio_write_t, void *);
	uc_err (*reg_read)(uc_engine *, int, void *);
	uc_err (*reg_write)(uc_engine *, int, const void *);
	uc_err (*emu_start)(uc_engine *, uint64_t, uint64_t, uint64_t, size_t);
	uc_err (*emu_stop)(uc_engine *);
	uc_err (*hook_add)(uc_engine *, uc_hook *, int, void *, void *, uint64_t, uint64_t, ...);
	uc_err (*hook_del)(uc_engine *, uc_hook);
	uc_err (*ctl)(uc_engine *, uc_control_type, ...);
	const char *(*strerror)(uc_err);
	uc_err (*context_alloc)(uc_engine *, uc_context **);
	uc_err (*context_save)(uc_engine *, uc_context *);
	uc_err (*context_restore)(uc_engine *, uc_context *);
	uc_err (*context_free)(uc_context *);
};
extern struct ucapi uc;
int ucapi_load(void);                       /* 0, or -1 with a diagnostic */

/* ---- diagnostics, knobs, fds (interpose.c) ---- */
void kvmemu_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fd_new(struct obj *o, const char *name, size_t size, int flags);
/* A signal handler ran during KVM_RUN, on this thread (each vCPU's KVM_RUN
 * runs in its caller's thread; a signal ends only that one, as on KVM). */
extern __thread volatile int kvmemu_signalled __attribute__((tls_model("initial-exec")));
extern int kvmemu_knob_pio_offset;
extern bool kvmemu_knob_string_batch;
extern uint32_t kvmemu_knob_tcg_buffer;   /* KVMEMU_TCG_MB, bytes */

/* ---- objects and ioctl dispatch (vm.c) ---- */
int sys_ioctl(struct obj *o, unsigned long req, unsigned long arg);
int vm_ioctl(struct vm *vm, unsigned long req, unsigned long arg);
int vcpu_ioctl(struct vcpu *v, unsigned long req, unsigned long arg);
void obj_get(struct obj *o);
void obj_put(struct obj *o);
uint8_t *gpa_ptr(struct vm *vm, uint64_t gpa, uint64_t len);  /* NULL: not RAM */
bool gpa_writable(struct vm *vm, uint64_t gpa, uint64_t len); /* RAM, not a read-only slot */
void slot_dirty(struct vm *vm, uint64_t gpa, uint64_t len);   /* dirty log of a guest write */

/* ---- the Unicorn engine (cpu.c) ---- */
int cpu_init(struct vcpu *v);               /* 0 or -errno */
void cpu_fini(struct vcpu *v);
int cpu_map(struct vcpu *v, struct slot *s);
void cpu_unmap(struct vcpu *v, struct slot *s);
void cpu_get_regs(struct vcpu *v, struct kvm_regs *r);
void cpu_set_regs(struct vcpu *v, const struct kvm_regs *r);
void cpu_get_sregs(struct vcpu *v, struct kvm_sregs *s);
int cpu_set_sregs(struct vcpu *v, const struct kvm_sregs *s);   /* 0 or -EINVAL */
bool cpu_covered(struct cpu *c, uint64_t lin);  /* an instruction hook covers lin */
bool cpu_cr4_valid(const struct vcpu *v, uint64_t cr4);   /* kvm_is_valid_cr4 */
int cpu_gpr(int n);                         /* Unicorn's id of GPR n as encoded (0 RAX, 1 RCX..) */
int cpu_run(struct vcpu *v);                /* KVM_RUN: 0 or -errno */
uint64_t reg_get(struct cpu *c, int reg);
void reg_set(struct cpu *c, int reg, uint64_t val);
uint64_t cpu_lip(struct cpu *c);            /* CS.base + RIP */
void cpu_set_lip(struct cpu *c, uint64_t lip);
void cpu_internal_error(struct vcpu *v, uint32_t suberror);
void cpu_hook_range(struct cpu *c, uint64_t begin, uint64_t end);

/* ---- KVMEMU_INSN_LIMIT (budget.c) ---- */
void budget_attach(struct cpu *c);          /* at cpu_init: count this engine's instructions */

/* ---- hidden CPU state (env.c) ---- */
int env_probe(struct cpu *c);               /* 0, or -1 with a diagnostic */
void env_load(struct cpu *c);               /* engine -> c->env */
void env_store(struct cpu *c);              /* c->env -> engine (CR0/EFER first) */
void env_exception(struct cpu *c, uint32_t *err, bool *is_int);
int env_old_exception(struct cpu *c, bool clear);
void env_set_cr2(struct cpu *c, uint64_t cr2);
bool env_nmi_blocked(struct cpu *c);          /* an NMI delivered, no IRET yet */
void env_set_nmi_blocked(struct cpu *c, bool on);
void env_cc(struct cpu *c, uint64_t cc[3]);
uint64_t env_sysflags(struct cpu *c);
void env_after_run(struct cpu *c);
uint32_t env_flags_of(const struct kvm_segment *s);
void env_seg_to_kvm(const struct segcache *q, struct kvm_segment *s);
const struct env *cpu_env(struct cpu *c);   /* loaded on demand */
/* The current code's default operand/address size: 2, 4 or 8 (8 = 64-bit mode). */
int cpu_code_size(struct cpu *c);
uint64_t cpu_seg_base(struct cpu *c, int seg);  /* seg: 0..5 = cs ds es fs gs ss */
uint64_t cpu_lin_mask(struct cpu *c);

/* ---- linear addresses (mmu.c): the guest's paging, walked in its slots ---- */
bool mmu_translate(struct vcpu *v, uint64_t lin, uint64_t *gpa);
uint8_t *lin_ptr(struct vcpu *v, uint64_t lin, uint32_t len);   /* one page of RAM, or NULL */
bool lin_read(struct vcpu *v, uint64_t lin, void *buf, uint32_t len);
bool lin_write(struct vcpu *v, uint64_t lin, const void *buf, uint32_t len);  /* marks dirty */
void mmu_ad_track(struct vcpu *v, bool after);  /* dirty log of the CPU's A/D-bit writes */
void mmu_dirty_straddle(struct vcpu *v, uint64_t paddr, int size);  /* a write's 2nd page */
/* An access the CPU itself makes (event delivery), with its checks: XLAT_PF
 * with the page-fault error code in *pferr, XLAT_NOMEM when a table or the
 * page isn't RAM. */
enum xlat { XLAT_OK, XLAT_PF, XLAT_NOMEM };
enum xlat mmu_access(struct vcpu *v, uint64_t lin, bool write, bool user, uint64_t *gpa,
		     uint32_t *pferr);
bool mmu_leaf(struct vcpu *v, uint64_t lin, uint64_t *egpa, int *esize);  /* no A/D set */
struct a_note {               /* entries whose A bit was clear (mmu_a_note) */
	uint64_t gpa[5];
	int size[5];
	int n;
};
void mmu_a_note(struct vcpu *v, uint64_t lin, struct a_note *a);
void mmu_a_restore(struct vcpu *v, const struct a_note *a);
/* An emulated instruction's explicit access to [lin, lin+len): checked, A/D set. */
enum xlat mmu_data(struct vcpu *v, uint64_t lin, uint32_t len, bool write, uint32_t *pferr,
		   uint64_t *cr2);

/* ---- MSRs (msr.c) and CPUID (cpuid.c) ---- */
int msr_get(struct vcpu *v, uint32_t index, uint64_t *val, bool host);  /* 0, 1 refused, -1 unknown */
int msr_set(struct vcpu *v, uint32_t index, uint64_t val, bool host);
int msr_insn(struct vcpu *v, uint64_t lip, uint32_t len, bool write);
int msr_opcode(const uint8_t *insn, uint32_t len);   /* 1 RDMSR, 2 WRMSR, 3 RDTSC, 0 */
int rdtsc_insn(struct vcpu *v, uint64_t lip, uint32_t len);
bool rdtsc_hooked(struct vcpu *v, uint32_t len);  /* inside the run, from a hook */
int msr_ioctl(struct vcpu *v, struct kvm_msrs *m, bool set);
int msr_index_list(struct kvm_msr_list *l);
int syscall_insn(struct vcpu *v, uint64_t lip);
void cpuid_lookup(const struct vcpu *v, uint32_t f, uint32_t i, uint32_t out[4]);
bool cpuid_has(const struct vcpu *v, uint32_t f, int r, int bit);
int cpuid_maxphyaddr(const struct vcpu *v);
bool cpuid_host_has(uint32_t f, int r, int bit);  /* in KVM_GET_SUPPORTED_CPUID's set */
void cpuid_host_leaf(uint32_t f, uint32_t i, uint32_t out[4]);   /* that set's leaf, or zeros */
int cpuid_hook(uc_engine *u, void *opaque);
int cpuid_get_supported(struct kvm_cpuid2 *c2);
int cpuid_set(struct vcpu *v, const struct kvm_cpuid2 *c2);
int cpuid_get(struct vcpu *v, struct kvm_cpuid2 *c2);

/* ---- decoded memory operands, 64-bit mode (insn.c) ---- */
struct mem_operand {
	bool valid;               /* the instruction has one (false: not decoded) */
	bool stack;               /* push/pop/call/ret's implicit one */
	int seg;                  /* SEG_SS, SEG_DS, SEG_FS or SEG_GS */
	uint64_t ea;              /* linear (FS/GS base added) */
	uint32_t len;             /* its bytes; 0: not known (and for the stack's) */
	uint32_t insn_len;        /* the instruction's bytes (also without an operand); 0: not known */
	int map;                  /* its opcode: map (0: one byte, 1: 0f, 2: 0f38, 3: 0f3a), */
	uint8_t op;               /* byte, ModRM.reg (when it has one) */
	uint8_t reg;
	uint8_t osize;            /* operand size: 1, 2, 4 or 8 (byte forms, 66, REX.W) */
	uint8_t modrm, rex;       /* (0 when none) */
	bool string;              /* MOVS CMPS STOS LODS SCAS: ea = [rSI] (none for STOS, */
	bool src, dst;            /* SCAS), ea2 = ES:[rDI] (none for LODS), len an element */
	uint64_t ea2;
};
bool insn_mem_operand(struct vcpu *v, uint64_t lip, struct mem_operand *m);
void insn_stack_fault(struct vcpu *v, struct event *ev);

/* ---- MOV to CR4, to/from CR8 (cr.c): 1 = exit, 0 = keep running ---- */
bool cr_opcode(const uint8_t *insn, uint32_t len);
int cr_insn(struct vcpu *v, uint64_t lip, uint32_t len);
int cr_undefined(struct vcpu *v);       /* the engine's #UD: 1 exit, 0 done, -1 #UD */

/* ---- port I/O (pio.c): 1 = exit to user space, 0 = keep running ---- */
int pio_exit(struct vcpu *v, uint64_t lip, uint32_t len);
int pio_complete(struct vcpu *v);            /* 1: an exit is set (a fault's triple fault) */
bool pio_opcode(const uint8_t *insn, uint32_t len);

/* ---- MMIO (mmio.c) ---- */
int mmio_begin(struct vcpu *v);       /* S_MMIO: 1 = an exit is in run */
int mmio_resume(struct vcpu *v);      /* KVM_RUN after an MMIO exit: 1 = another exit */
int mmio_step_end(struct vcpu *v);    /* S_STEPPED: 1 = an exit is in run */
int mmio_cancel(struct vcpu *v);      /* the step ends otherwise: 1 = internal error in run */
bool mmio_unmapped_hook(uc_engine *u, uc_mem_type type, uint64_t addr, int size,
			int64_t value, void *opaque);

/* ---- events: exceptions and interrupts (event.c) ---- */
/* An exception with the error code the vector has (0 unless given). */
struct event event_exception(int vector, uint32_t err);
/* Delivers ev as the CPU would at the current state: RIP is the address to
 * push (the faulting instruction for a fault, the next one for a trap or an
 * interrupt). A fault while delivering it is combined as SDM table 6-5 says
 * (#DF; a fault while delivering #DF: triple fault, KVM_EXIT_SHUTDOWN).
 * 1 = an exit is set in run (shutdown, internal error), 0 = delivered: the
 * guest runs the handler next. For EV_EXT_INT and EV_NMI the caller has
 * decided the vCPU takes it now (RFLAGS.IF, the interrupt shadow, NMI
 * blocking are the interrupt controller's checks, not made here). */
int event_inject(struct vcpu *v, struct event ev);
/* ---- interrupts, devices, the clock (irq.c) ---- */
struct vcpu_irq {
	bool has_apic;            /* the VM has KVM_CREATE_IRQCHIP's devices */
	struct lapic apic;
	int queued;               /* KVM_INTERRUPT's vector (user-space irqchip), -1 none */
	int nmi_pending;          /* KVM_NMI */
	uint32_t mp_state;
	int wake_fd;              /* eventfd a halted vCPU sleeps on */
	int halted;               /* in irq_halt: kicks write wake_fd */
};
int irq_vm_ioctl(struct vm *vm, unsigned long req, unsigned long arg);   /* -ENOTTY: not ours */
int irq_vcpu_ioctl(struct vcpu *v, unsigned long req, unsigned long arg);
int irq_check_extension(unsigned long cap);          /* -1: not ours */
void irq_vm_free(struct vm *vm);
int irq_vcpu_init(struct vcpu *v);                   /* after cpu_init */
void irq_vcpu_free(struct vcpu *v);
bool irq_chip(const struct vcpu *v);                 /* in-kernel irqchip */
uint64_t irq_now(struct vm *vm);                     /* the VM's clock, ns */
void irq_kick(struct vcpu *v);
int irq_entry(struct vcpu *v);                       /* 1: exit set, <0: -EINTR */
void irq_run_begin(struct vcpu *v);
void irq_run_end(struct vcpu *v);
void irq_insn_skipped(struct vcpu *v);              /* an STI shadow ends (pio.c) */
int irq_halt(struct vcpu *v);                        /* 0 or -EINTR */
bool irq_pio(struct vcpu *v);                        /* run->io taken in kernel */
bool irq_mmio(struct vcpu *v);                       /* run->mmio taken in-kernel */
void irq_exit_fields(struct vcpu *v);
int irq_msr(struct vcpu *v, uint32_t index, uint64_t *val, bool write, bool host);  /* -2: not ours */
void irq_sregs_get(struct vcpu *v, struct kvm_sregs *s);    /* cr8, apic_base */
void irq_sregs_set(struct vcpu *v, const struct kvm_sregs *s);
void irq_cr8_set(struct vcpu *v, uint64_t cr8);     /* MOV to CR8 (no-op without the LAPIC) */
uint64_t irq_cr8_get(struct vcpu *v);               /* MOV from CR8 (with the LAPIC) */

#endif
