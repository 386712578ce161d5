/*
 * x86.h - the architectural facts kvmemu uses, named once (as xv6's riscv.h).
 * Sources: Intel SDM vol. 3 (section given per group); QEMU's hflags from
 * target/i386/cpu.h, whose segment-cache flags are the descriptor's high
 * dword, so the DESC_ bits serve both.
 */
#ifndef KVMEMU_X86_H
#define KVMEMU_X86_H

/* Control registers (SDM vol. 3, 2.5). */
#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)

#define CR4_TSD        (1ull << 2)
#define CR4_PSE        (1ull << 4)
#define CR4_PAE        (1ull << 5)
#define CR4_UMIP       (1ull << 11)
#define CR4_LA57       (1ull << 12)
#define CR4_VMXE       (1ull << 13)
#define CR4_SMXE       (1ull << 14)
#define CR4_FSGSBASE   (1ull << 16)
#define CR4_PCIDE      (1ull << 17)
#define CR4_OSXSAVE    (1ull << 18)
#define CR4_SMEP       (1ull << 20)
#define CR4_SMAP       (1ull << 21)
#define CR4_PKE        (1ull << 22)
/* VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT: no CPUID feature needed */
#define CR4_BASE_BITS  0x7ffull

/* EFER (SDM vol. 3, 2.2.1). */
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

/* XCR0 state components (SDM vol. 1, 13.1). */
#define XFEATURE_FP  (1ull << 0)
#define XFEATURE_SSE (1ull << 1)
#define XFEATURE_YMM (1ull << 2)
#define XSAVE_LEGACY_AND_HEADER 576u   /* the legacy region (512) and the XSAVE header (64) */

/* RFLAGS (SDM vol. 1, 3.4.3). */
#define RFL_CF    (1ull << 0)
#define RFL_FIXED (1ull << 1)       /* always 1 */
#define RFL_TF    (1ull << 8)
#define RFL_IF    (1ull << 9)
#define RFL_DF    (1ull << 10)
#define RFL_IOPL  (3ull << 12)
#define RFL_NT    (1ull << 14)
#define RFL_RF    (1ull << 16)
#define RFL_VM    (1ull << 17)
#define RFL_AC    (1ull << 18)

/* Exception vectors (SDM vol. 3, table 6-1). */
enum {
	X86_DE = 0, X86_DB = 1, X86_NMI = 2, X86_BP = 3, X86_OF = 4, X86_BR = 5, X86_UD = 6,
	X86_NM = 7, X86_DF = 8, X86_TS = 10, X86_NP = 11, X86_SS = 12, X86_GP = 13,
	X86_PF = 14, X86_MF = 16, X86_AC = 17, X86_MC = 18, X86_XM = 19, X86_CP = 21,
};

/* Page-fault error code (SDM vol. 3, 4.7). */
#define PFERR_P    (1u << 0)
#define PFERR_W    (1u << 1)
#define PFERR_U    (1u << 2)
#define PFERR_RSVD (1u << 3)
#define PFERR_I    (1u << 4)

/* Paging-structure entries (SDM vol. 3, 4.3-4.5). */
#define PTE_P    (1ull << 0)
#define PTE_RW   (1ull << 1)
#define PTE_US   (1ull << 2)
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_PS   (1ull << 7)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull     /* bits 51:12 */
#define PX(level, lin) (((lin) >> (12 + 9 * (level))) & 511)   /* 4-level/PAE index */
#define PHYS_RSVD(maxphy) (((1ull << 52) - 1) & ~((1ull << (maxphy)) - 1))

/* Segment descriptors, high dword (SDM vol. 3, 3.4.5), and QEMU's segment
 * cache flags (the same bits). */
#define DESC_TYPE(hi)   (((hi) >> 8) & 15)
#define DESC_ACCESSED   (1u << 8)
#define DESC_CONFORMING (1u << 10)  /* code segments */
#define DESC_CODE       (1u << 11)
#define DESC_S          (1u << 12)  /* code or data, not system */
#define DESC_DPL(hi)    (((hi) >> 13) & 3)
#define DESC_P          (1u << 15)
#define DESC_AVL        (1u << 20)
#define DESC_L          (1u << 21)
#define DESC_DB         (1u << 22)
#define DESC_G          (1u << 23)
#define DESC_BASE(lo, hi) (((lo) >> 16) | ((hi) & 0xff) << 16 | ((hi) & 0xff000000u))
#define DESC_LIMIT(lo, hi) (((lo) & 0xffff) | ((hi) & 0xf0000))

/* Gate descriptor types (SDM vol. 3, 6.11, 6.14.1). */
enum { GATE_TASK = 5, GATE_INT16 = 6, GATE_TRAP16 = 7, GATE_INT = 14, GATE_TRAP = 15 };
#define GATE_IS_TRAP(type) ((type) & 1)    /* a trap gate leaves IF set */
#define GATE_IST(hi)    ((hi) & 7)

/* Selectors and the error code of a fault on a selector or IDT entry
 * (SDM vol. 3, 6.13). */
#define SEL_RPL(sel)   ((sel) & 3u)
#define SEL_TI         4u
#define SEL_ERR(sel, ext)     (((sel) & ~3u) | (ext))
#define IDT_ERR(vector, ext)  ((uint32_t)(vector) << 3 | 2u | (ext))

/* The 64-bit TSS (SDM vol. 3, 8.7): RSP0-2 and IST1-7. */
#define TSS64_RSP(n) (4u + 8u * (n))
#define TSS64_IST(n) (36u + 8u * ((n) - 1))

/* QEMU's hflags (target/i386/cpu.h). */
#define HF_CPL_MASK 3u
#define HF_CS32     (1u << 4)
#define HF_SS32     (1u << 5)
#define HF_ADDSEG   (1u << 6)
#define HF_PE       (1u << 7)
#define HF_LMA      (1u << 14)
#define HF_CS64     (1u << 15)
#define HF_SMAP     (1u << 23)     /* CR4.SMAP: QEMU's walker checks it, not CR4 */

/* 48-bit linear addresses: bits 63:47 all equal (SDM vol. 1, 3.3.7.1). */
static inline bool x86_canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

#endif
