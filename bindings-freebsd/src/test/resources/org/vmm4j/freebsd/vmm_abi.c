/*
 * Independent derivation of the FreeBSD 14.x amd64 vmm(4) ABI for VmmDevLayoutTest: the structs of
 * sys/amd64/include/vmm.h and vmm_dev.h re-declared with stdint types, and the _IOC encoding of
 * sys/sys/ioccom.h. LP64 x86-64 lays these out the same on Linux and FreeBSD.
 *   ./vmm_abi layout   prints "NAME value" for every size, offset, bit-field, enum and request
 *   ./vmm_abi exits    prints "EXIT case hex" for vm_exit records filled as the kernel fills them
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define IOCPARM_SHIFT 13
#define IOCPARM_MASK ((1 << IOCPARM_SHIFT) - 1)
#define IOC_VOID 0x20000000UL
#define IOC_OUT 0x40000000UL
#define IOC_IN 0x80000000UL
#define IOC_INOUT (IOC_IN | IOC_OUT)
#define _IOC(inout, group, num, len) ((unsigned long)((inout) | (((len) & IOCPARM_MASK) << 16) | ((group) << 8) | (num)))
#define _IO(g, n) _IOC(IOC_VOID, (g), (n), 0)
#define _IOR(g, n, t) _IOC(IOC_OUT, (g), (n), sizeof(t))
#define _IOW(g, n, t) _IOC(IOC_IN, (g), (n), sizeof(t))
#define _IOWR(g, n, t) _IOC(IOC_INOUT, (g), (n), sizeof(t))

#define SPECNAMELEN 255
#define VM_MAX_PREFIXLEN 10
#define VM_MAX_SUFFIXLEN 15
#define VM_MIN_NAMELEN 6
#define VM_MAX_NAMELEN (SPECNAMELEN - VM_MAX_PREFIXLEN - VM_MAX_SUFFIXLEN - 1)
#define MAX_VM_STATS 64
#define CPU_MAXSIZE 1024

enum vm_suspend_how { VM_SUSPEND_NONE, VM_SUSPEND_RESET, VM_SUSPEND_POWEROFF, VM_SUSPEND_HALT,
    VM_SUSPEND_TRIPLEFAULT, VM_SUSPEND_LAST };
enum vm_reg_name { VM_REG_GUEST_RAX, VM_REG_GUEST_RBX, VM_REG_GUEST_RCX, VM_REG_GUEST_RDX, VM_REG_GUEST_RSI,
    VM_REG_GUEST_RDI, VM_REG_GUEST_RBP, VM_REG_GUEST_R8, VM_REG_GUEST_R9, VM_REG_GUEST_R10, VM_REG_GUEST_R11,
    VM_REG_GUEST_R12, VM_REG_GUEST_R13, VM_REG_GUEST_R14, VM_REG_GUEST_R15, VM_REG_GUEST_CR0, VM_REG_GUEST_CR3,
    VM_REG_GUEST_CR4, VM_REG_GUEST_DR7, VM_REG_GUEST_RSP, VM_REG_GUEST_RIP, VM_REG_GUEST_RFLAGS, VM_REG_GUEST_ES,
    VM_REG_GUEST_CS, VM_REG_GUEST_SS, VM_REG_GUEST_DS, VM_REG_GUEST_FS, VM_REG_GUEST_GS, VM_REG_GUEST_LDTR,
    VM_REG_GUEST_TR, VM_REG_GUEST_IDTR, VM_REG_GUEST_GDTR, VM_REG_GUEST_EFER, VM_REG_GUEST_CR2,
    VM_REG_GUEST_PDPTE0, VM_REG_GUEST_PDPTE1, VM_REG_GUEST_PDPTE2, VM_REG_GUEST_PDPTE3, VM_REG_GUEST_INTR_SHADOW,
    VM_REG_GUEST_DR0, VM_REG_GUEST_DR1, VM_REG_GUEST_DR2, VM_REG_GUEST_DR3, VM_REG_GUEST_DR6,
    VM_REG_GUEST_ENTRY_INST_LENGTH, VM_REG_LAST };
enum vm_cap_type { VM_CAP_HALT_EXIT, VM_CAP_MTRAP_EXIT, VM_CAP_PAUSE_EXIT, VM_CAP_UNRESTRICTED_GUEST,
    VM_CAP_ENABLE_INVPCID, VM_CAP_BPT_EXIT, VM_CAP_RDPID, VM_CAP_RDTSCP, VM_CAP_IPI_EXIT, VM_CAP_MASK_HWINTR,
    VM_CAP_MAX };
enum vm_exitcode { VM_EXITCODE_INOUT, VM_EXITCODE_VMX, VM_EXITCODE_BOGUS, VM_EXITCODE_RDMSR, VM_EXITCODE_WRMSR,
    VM_EXITCODE_HLT, VM_EXITCODE_MTRAP, VM_EXITCODE_PAUSE, VM_EXITCODE_PAGING, VM_EXITCODE_INST_EMUL,
    VM_EXITCODE_SPINUP_AP, VM_EXITCODE_DEPRECATED1, VM_EXITCODE_RENDEZVOUS, VM_EXITCODE_IOAPIC_EOI,
    VM_EXITCODE_SUSPENDED, VM_EXITCODE_INOUT_STR, VM_EXITCODE_TASK_SWITCH, VM_EXITCODE_MONITOR, VM_EXITCODE_MWAIT,
    VM_EXITCODE_SVM, VM_EXITCODE_REQIDLE, VM_EXITCODE_DEBUG, VM_EXITCODE_VMINSN, VM_EXITCODE_BPT, VM_EXITCODE_IPI,
    VM_EXITCODE_MAX };
enum vm_cpu_mode { CPU_MODE_REAL, CPU_MODE_PROTECTED, CPU_MODE_COMPATIBILITY, CPU_MODE_64BIT };
enum vm_paging_mode { PAGING_MODE_FLAT, PAGING_MODE_32, PAGING_MODE_PAE, PAGING_MODE_64, PAGING_MODE_64_LA57 };
enum x2apic_state { X2APIC_DISABLED, X2APIC_ENABLED, X2APIC_STATE_LAST };
enum task_switch_reason { TSR_CALL, TSR_IRET, TSR_JMP, TSR_IDT_GATE };
enum { VM_SYSMEM, VM_BOOTROM, VM_FRAMEBUFFER, VM_PCIROM };
enum vm_mmap_style { VM_MMAP_NONE, VM_MMAP_ALL, VM_MMAP_SPARSE };

struct seg_desc { uint64_t base; uint32_t limit; uint32_t access; };
struct vm_memmap { uint64_t gpa; int segid; int64_t segoff; uint64_t len; int prot; int flags; };
struct vm_munmap { uint64_t gpa; uint64_t len; };
struct vm_memseg { int segid; uint64_t len; char name[VM_MAX_SUFFIXLEN + 1]; };
struct vm_register { int cpuid; int regnum; uint64_t regval; };
struct vm_seg_desc { int cpuid; int regnum; struct seg_desc desc; };
struct vm_register_set { int cpuid; unsigned int count; const int *regnums; uint64_t *regvals; };
struct vm_run { int cpuid; void *cpuset; uint64_t cpusetsize; void *vm_exit; };
struct vm_capability { int cpuid; enum vm_cap_type captype; int capval; int allcpus; };
struct timeval64 { int64_t tv_sec; int64_t tv_usec; };
struct vm_stats { int cpuid; int index; int num_entries; struct timeval64 tv; uint64_t statbuf[MAX_VM_STATS]; };
struct vm_stat_desc { int index; char desc[128]; };
struct vm_suspend { enum vm_suspend_how how; };
struct vm_activate_cpu { int vcpuid; };
struct vm_cpuset { int which; int cpusetsize; void *cpus; };
struct vm_cpu_topology { uint16_t sockets, cores, threads, maxcpus; };
struct vm_guest_paging { uint64_t cr3; int cpl; enum vm_cpu_mode cpu_mode; enum vm_paging_mode paging_mode; };
struct vm_gla2gpa { int vcpuid; int prot; uint64_t gla; struct vm_guest_paging paging; int fault; uint64_t gpa; };
struct vie_op { uint8_t op_byte; uint8_t op_type; uint16_t op_flags; };
struct vie {
    uint8_t inst[15];
    uint8_t num_valid;
    uint8_t num_processed;
    uint8_t addrsize:4, opsize:4;
    uint8_t rex_w:1, rex_r:1, rex_x:1, rex_b:1, rex_present:1, repz_present:1, repnz_present:1,
            opsize_override:1, addrsize_override:1, segment_override:1;
    uint8_t mod:2, reg:4, rm:4;
    uint8_t ss:2, vex_present:1, vex_l:1, index:4, base:4;
    uint8_t disp_bytes;
    uint8_t imm_bytes;
    uint8_t scale;
    uint8_t vex_reg:4, vex_pp:2, _sparebits:2;
    uint8_t _sparebytes[2];
    int base_register;
    int index_register;
    int segment_register;
    int64_t displacement;
    int64_t immediate;
    uint8_t decoded;
    uint8_t _sparebyte;
    struct vie_op op;
};
_Static_assert(sizeof(struct vie_op) == 4, "vmm.h ABI");
_Static_assert(_Alignof(struct vie_op) == 2, "vmm.h ABI");
_Static_assert(sizeof(struct vie) == 64, "vmm.h ABI");
_Static_assert(offsetof(struct vie, disp_bytes) == 22, "vmm.h ABI");
_Static_assert(offsetof(struct vie, scale) == 24, "vmm.h ABI");
_Static_assert(offsetof(struct vie, base_register) == 28, "vmm.h ABI");

struct vm_inout { uint16_t bytes:3, in:1, string:1, rep:1; uint16_t port; uint32_t eax; };
struct vm_inout_str { struct vm_inout inout; struct vm_guest_paging paging; uint64_t rflags, cr0, index, count;
    int addrsize; enum vm_reg_name seg_name; struct seg_desc seg_desc; };
struct vm_task_switch { uint16_t tsssel; int ext; uint32_t errcode; int errcode_valid;
    enum task_switch_reason reason; struct vm_guest_paging paging; };
struct vm_exit {
    enum vm_exitcode exitcode;
    int inst_length;
    uint64_t rip;
    union {
        struct vm_inout inout;
        struct vm_inout_str inout_str;
        struct { uint64_t gpa; int fault_type; } paging;
        struct { uint64_t gpa, gla, cs_base; int cs_d; struct vm_guest_paging paging; struct vie vie; } inst_emul;
        struct { int status; uint32_t exit_reason; uint64_t exit_qualification; int inst_type; int inst_error; } vmx;
        struct { uint64_t exitcode, exitinfo1, exitinfo2; } svm;
        struct { int inst_length; } bpt;
        struct { uint32_t code; uint64_t wval; } msr;
        struct { int vcpu; uint64_t rip; } spinup_ap;
        struct { uint64_t rflags; uint64_t intr_status; } hlt;
        struct { int vector; } ioapic_eoi;
        struct { enum vm_suspend_how how; } suspended;
        struct { uint32_t mode; uint8_t vector; } ipi;
        struct vm_task_switch task_switch;
    } u;
};

#define P(name, value) printf("%s %lld\n", name, (long long)(value))
#define SZ(name, type) P(name "_SIZE", sizeof(type))
#define OFF(name, type, field) P(name, offsetof(type, field))
#define E(x) P(#x, x)

/* Bit-field position: set the field to all ones in a zeroed struct and find the bits that changed. */
static void bits(const char *name, const void *obj, size_t size) {
    const uint8_t *b = obj;
    for (size_t i = 0; i < size; i++) {
        if (b[i] != 0) {
            int shift = __builtin_ctz(b[i]);
            int width = __builtin_popcount(b[i]);
            printf("%s_BYTE %zu\n%s_SHIFT %d\n%s_WIDTH %d\n", name, i, name, shift, name, width);
            return;
        }
    }
}
#define VIEBITS(NAME, field, ones) do { struct vie v; memset(&v, 0, sizeof v); v.field = ones; bits(NAME, &v, sizeof v); } while (0)
#define INOUTBITS(NAME, field, ones) do { struct vm_inout v; memset(&v, 0, sizeof v); v.field = ones; \
    uint16_t w; memcpy(&w, &v, 2); printf("%s_SHIFT %d\n%s_WIDTH %d\n", NAME, __builtin_ctz(w), NAME, __builtin_popcount(w)); } while (0)

static void layout(void) {
    P("IOCPARM_SHIFT", IOCPARM_SHIFT); P("IOCPARM_MASK", IOCPARM_MASK);
    P("IOC_VOID", IOC_VOID); P("IOC_OUT", IOC_OUT); P("IOC_IN", IOC_IN); P("IOC_INOUT", IOC_INOUT);
    E(SPECNAMELEN); E(VM_MAX_PREFIXLEN); E(VM_MAX_SUFFIXLEN); E(VM_MIN_NAMELEN); E(VM_MAX_NAMELEN);
    E(VM_SUSPEND_NONE); E(VM_SUSPEND_RESET); E(VM_SUSPEND_POWEROFF); E(VM_SUSPEND_HALT); E(VM_SUSPEND_TRIPLEFAULT);
    E(VM_SUSPEND_LAST);
    E(VM_REG_GUEST_RAX); E(VM_REG_GUEST_RBX); E(VM_REG_GUEST_RCX); E(VM_REG_GUEST_RDX); E(VM_REG_GUEST_RSI);
    E(VM_REG_GUEST_RDI); E(VM_REG_GUEST_RBP); E(VM_REG_GUEST_R8); E(VM_REG_GUEST_R9); E(VM_REG_GUEST_R10);
    E(VM_REG_GUEST_R11); E(VM_REG_GUEST_R12); E(VM_REG_GUEST_R13); E(VM_REG_GUEST_R14); E(VM_REG_GUEST_R15);
    E(VM_REG_GUEST_CR0); E(VM_REG_GUEST_CR3); E(VM_REG_GUEST_CR4); E(VM_REG_GUEST_DR7); E(VM_REG_GUEST_RSP);
    E(VM_REG_GUEST_RIP); E(VM_REG_GUEST_RFLAGS); E(VM_REG_GUEST_ES); E(VM_REG_GUEST_CS); E(VM_REG_GUEST_SS);
    E(VM_REG_GUEST_DS); E(VM_REG_GUEST_FS); E(VM_REG_GUEST_GS); E(VM_REG_GUEST_LDTR); E(VM_REG_GUEST_TR);
    E(VM_REG_GUEST_IDTR); E(VM_REG_GUEST_GDTR); E(VM_REG_GUEST_EFER); E(VM_REG_GUEST_CR2); E(VM_REG_GUEST_PDPTE0);
    E(VM_REG_GUEST_PDPTE1); E(VM_REG_GUEST_PDPTE2); E(VM_REG_GUEST_PDPTE3); E(VM_REG_GUEST_INTR_SHADOW);
    E(VM_REG_GUEST_DR0); E(VM_REG_GUEST_DR1); E(VM_REG_GUEST_DR2); E(VM_REG_GUEST_DR3); E(VM_REG_GUEST_DR6);
    E(VM_REG_GUEST_ENTRY_INST_LENGTH); E(VM_REG_LAST);
    E(VM_CAP_HALT_EXIT); E(VM_CAP_MTRAP_EXIT); E(VM_CAP_PAUSE_EXIT); E(VM_CAP_UNRESTRICTED_GUEST);
    E(VM_CAP_ENABLE_INVPCID); E(VM_CAP_BPT_EXIT); E(VM_CAP_RDPID); E(VM_CAP_RDTSCP); E(VM_CAP_IPI_EXIT);
    E(VM_CAP_MASK_HWINTR); E(VM_CAP_MAX);
    E(VM_EXITCODE_INOUT); E(VM_EXITCODE_VMX); E(VM_EXITCODE_BOGUS); E(VM_EXITCODE_RDMSR); E(VM_EXITCODE_WRMSR);
    E(VM_EXITCODE_HLT); E(VM_EXITCODE_MTRAP); E(VM_EXITCODE_PAUSE); E(VM_EXITCODE_PAGING); E(VM_EXITCODE_INST_EMUL);
    E(VM_EXITCODE_SPINUP_AP); E(VM_EXITCODE_DEPRECATED1); E(VM_EXITCODE_RENDEZVOUS); E(VM_EXITCODE_IOAPIC_EOI);
    E(VM_EXITCODE_SUSPENDED); E(VM_EXITCODE_INOUT_STR); E(VM_EXITCODE_TASK_SWITCH); E(VM_EXITCODE_MONITOR);
    E(VM_EXITCODE_MWAIT); E(VM_EXITCODE_SVM); E(VM_EXITCODE_REQIDLE); E(VM_EXITCODE_DEBUG); E(VM_EXITCODE_VMINSN);
    E(VM_EXITCODE_BPT); E(VM_EXITCODE_IPI); E(VM_EXITCODE_MAX);
    E(CPU_MODE_REAL); E(CPU_MODE_PROTECTED); E(CPU_MODE_COMPATIBILITY); E(CPU_MODE_64BIT);
    E(PAGING_MODE_FLAT); E(PAGING_MODE_32); E(PAGING_MODE_PAE); E(PAGING_MODE_64); E(PAGING_MODE_64_LA57);
    E(X2APIC_DISABLED); E(X2APIC_ENABLED);
    P("SEG_DESC_TYPE_MASK", 0x001f); P("SEG_DESC_DPL_SHIFT", 5); P("SEG_DESC_PRESENT", 0x0080);
    P("SEG_DESC_AVL", 1 << 12); P("SEG_DESC_LONG", 1 << 13);
    P("SEG_DESC_DEF32", 0x4000); P("SEG_DESC_GRANULARITY", 0x8000); P("SEG_DESC_UNUSABLE", 0x10000);
    E(VM_SYSMEM); E(VM_BOOTROM); E(VM_FRAMEBUFFER); E(VM_PCIROM); E(VM_MMAP_NONE); E(VM_MMAP_ALL); E(VM_MMAP_SPARSE);

    P("MAX_VM_STATS", MAX_VM_STATS); P("VM_STAT_DESC_LEN", sizeof(((struct vm_stat_desc *)0)->desc));
    P("VM_ACTIVE_CPUS", 0); P("VM_SUSPENDED_CPUS", 1); P("VM_DEBUG_CPUS", 2);
    P("VM_MEMMAP_F_WIRED", 0x01); P("VM_MEMMAP_F_IOMMU", 0x02); P("CPUSET_SIZE", CPU_MAXSIZE / 8);

    SZ("SEG_DESC", struct seg_desc); OFF("SEG_DESC_BASE", struct seg_desc, base);
    OFF("SEG_DESC_LIMIT", struct seg_desc, limit); OFF("SEG_DESC_ACCESS", struct seg_desc, access);
    SZ("VM_MEMMAP", struct vm_memmap); OFF("VM_MEMMAP_GPA", struct vm_memmap, gpa);
    OFF("VM_MEMMAP_SEGID", struct vm_memmap, segid); OFF("VM_MEMMAP_SEGOFF", struct vm_memmap, segoff);
    OFF("VM_MEMMAP_LEN", struct vm_memmap, len); OFF("VM_MEMMAP_PROT", struct vm_memmap, prot);
    OFF("VM_MEMMAP_FLAGS", struct vm_memmap, flags);
    SZ("VM_MUNMAP", struct vm_munmap); OFF("VM_MUNMAP_GPA", struct vm_munmap, gpa);
    OFF("VM_MUNMAP_LEN", struct vm_munmap, len);
    SZ("VM_MEMSEG", struct vm_memseg); OFF("VM_MEMSEG_SEGID", struct vm_memseg, segid);
    OFF("VM_MEMSEG_LEN", struct vm_memseg, len); OFF("VM_MEMSEG_NAME", struct vm_memseg, name);
    SZ("VM_REGISTER", struct vm_register); OFF("VM_REGISTER_CPUID", struct vm_register, cpuid);
    OFF("VM_REGISTER_REGNUM", struct vm_register, regnum); OFF("VM_REGISTER_REGVAL", struct vm_register, regval);
    SZ("VM_SEG_DESC", struct vm_seg_desc); OFF("VM_SEG_DESC_CPUID", struct vm_seg_desc, cpuid);
    OFF("VM_SEG_DESC_REGNUM", struct vm_seg_desc, regnum); OFF("VM_SEG_DESC_DESC", struct vm_seg_desc, desc);
    SZ("VM_REGISTER_SET", struct vm_register_set); OFF("VM_REGISTER_SET_CPUID", struct vm_register_set, cpuid);
    OFF("VM_REGISTER_SET_COUNT", struct vm_register_set, count);
    OFF("VM_REGISTER_SET_REGNUMS", struct vm_register_set, regnums);
    OFF("VM_REGISTER_SET_REGVALS", struct vm_register_set, regvals);
    SZ("VM_RUN", struct vm_run); OFF("VM_RUN_CPUID", struct vm_run, cpuid); OFF("VM_RUN_CPUSET", struct vm_run, cpuset);
    OFF("VM_RUN_CPUSETSIZE", struct vm_run, cpusetsize); OFF("VM_RUN_VM_EXIT", struct vm_run, vm_exit);
    SZ("VM_CAPABILITY", struct vm_capability); OFF("VM_CAPABILITY_CPUID", struct vm_capability, cpuid);
    OFF("VM_CAPABILITY_CAPTYPE", struct vm_capability, captype);
    OFF("VM_CAPABILITY_CAPVAL", struct vm_capability, capval);
    OFF("VM_CAPABILITY_ALLCPUS", struct vm_capability, allcpus);
    SZ("VM_STATS", struct vm_stats); OFF("VM_STATS_CPUID", struct vm_stats, cpuid);
    OFF("VM_STATS_INDEX", struct vm_stats, index); OFF("VM_STATS_NUM_ENTRIES", struct vm_stats, num_entries);
    OFF("VM_STATS_TV", struct vm_stats, tv); OFF("VM_STATS_STATBUF", struct vm_stats, statbuf);
    SZ("VM_STAT_DESC", struct vm_stat_desc); OFF("VM_STAT_DESC_INDEX", struct vm_stat_desc, index);
    OFF("VM_STAT_DESC_DESC", struct vm_stat_desc, desc);
    SZ("VM_SUSPEND", struct vm_suspend); OFF("VM_SUSPEND_HOW", struct vm_suspend, how);
    SZ("VM_ACTIVATE_CPU", struct vm_activate_cpu); OFF("VM_ACTIVATE_CPU_VCPUID", struct vm_activate_cpu, vcpuid);
    SZ("VM_CPUSET", struct vm_cpuset); OFF("VM_CPUSET_WHICH", struct vm_cpuset, which);
    OFF("VM_CPUSET_CPUSETSIZE", struct vm_cpuset, cpusetsize); OFF("VM_CPUSET_CPUS", struct vm_cpuset, cpus);
    SZ("VM_CPU_TOPOLOGY", struct vm_cpu_topology); OFF("VM_CPU_TOPOLOGY_SOCKETS", struct vm_cpu_topology, sockets);
    OFF("VM_CPU_TOPOLOGY_CORES", struct vm_cpu_topology, cores);
    OFF("VM_CPU_TOPOLOGY_THREADS", struct vm_cpu_topology, threads);
    OFF("VM_CPU_TOPOLOGY_MAXCPUS", struct vm_cpu_topology, maxcpus);
    SZ("VM_GUEST_PAGING", struct vm_guest_paging); OFF("VM_GUEST_PAGING_CR3", struct vm_guest_paging, cr3);
    OFF("VM_GUEST_PAGING_CPL", struct vm_guest_paging, cpl);
    OFF("VM_GUEST_PAGING_CPU_MODE", struct vm_guest_paging, cpu_mode);
    OFF("VM_GUEST_PAGING_PAGING_MODE", struct vm_guest_paging, paging_mode);
    SZ("VM_GLA2GPA", struct vm_gla2gpa); OFF("VM_GLA2GPA_VCPUID", struct vm_gla2gpa, vcpuid);
    OFF("VM_GLA2GPA_PROT", struct vm_gla2gpa, prot); OFF("VM_GLA2GPA_GLA", struct vm_gla2gpa, gla);
    OFF("VM_GLA2GPA_PAGING", struct vm_gla2gpa, paging); OFF("VM_GLA2GPA_FAULT", struct vm_gla2gpa, fault);
    OFF("VM_GLA2GPA_GPA", struct vm_gla2gpa, gpa);
    SZ("VIE_OP", struct vie_op); SZ("VIE", struct vie);
    OFF("VIE_INST", struct vie, inst); P("VIE_INST_SIZE", sizeof(((struct vie *)0)->inst));
    OFF("VIE_NUM_VALID", struct vie, num_valid); OFF("VIE_NUM_PROCESSED", struct vie, num_processed);
    OFF("VIE_DISP_BYTES", struct vie, disp_bytes); OFF("VIE_IMM_BYTES", struct vie, imm_bytes);
    OFF("VIE_SCALE", struct vie, scale); OFF("VIE_BASE_REGISTER", struct vie, base_register);
    OFF("VIE_INDEX_REGISTER", struct vie, index_register);
    OFF("VIE_SEGMENT_REGISTER", struct vie, segment_register);
    OFF("VIE_DISPLACEMENT", struct vie, displacement); OFF("VIE_IMMEDIATE", struct vie, immediate);
    OFF("VIE_DECODED", struct vie, decoded); OFF("VIE_OP_BYTE", struct vie, op.op_byte);
    OFF("VIE_OP_TYPE", struct vie, op.op_type); OFF("VIE_OP_FLAGS", struct vie, op.op_flags);
    VIEBITS("VIE_OPSIZE", opsize, 0xf); VIEBITS("VIE_REX_W", rex_w, 1); VIEBITS("VIE_REX_R", rex_r, 1);
    VIEBITS("VIE_REX_PRESENT", rex_present, 1); VIEBITS("VIE_MOD", mod, 3); VIEBITS("VIE_REG", reg, 0xf);
    VIEBITS("VIE_RM", rm, 0xf);

    SZ("VM_EXIT", struct vm_exit); OFF("VM_EXIT_EXITCODE", struct vm_exit, exitcode);
    OFF("VM_EXIT_INST_LENGTH", struct vm_exit, inst_length); OFF("VM_EXIT_RIP", struct vm_exit, rip);
    OFF("VM_EXIT_U", struct vm_exit, u); OFF("VM_EXIT_INOUT_BITS", struct vm_exit, u.inout);
    INOUTBITS("VM_INOUT_BYTES", bytes, 7); INOUTBITS("VM_INOUT_IN", in, 1);
    INOUTBITS("VM_INOUT_STRING", string, 1); INOUTBITS("VM_INOUT_REP", rep, 1);
    OFF("VM_EXIT_INOUT_PORT", struct vm_exit, u.inout.port); OFF("VM_EXIT_INOUT_EAX", struct vm_exit, u.inout.eax);
    OFF("VM_EXIT_INOUT_STR_PAGING", struct vm_exit, u.inout_str.paging);
    OFF("VM_EXIT_INOUT_STR_RFLAGS", struct vm_exit, u.inout_str.rflags);
    OFF("VM_EXIT_INOUT_STR_CR0", struct vm_exit, u.inout_str.cr0);
    OFF("VM_EXIT_INOUT_STR_INDEX", struct vm_exit, u.inout_str.index);
    OFF("VM_EXIT_INOUT_STR_COUNT", struct vm_exit, u.inout_str.count);
    OFF("VM_EXIT_INOUT_STR_ADDRSIZE", struct vm_exit, u.inout_str.addrsize);
    OFF("VM_EXIT_INOUT_STR_SEG_NAME", struct vm_exit, u.inout_str.seg_name);
    OFF("VM_EXIT_INOUT_STR_SEG_DESC", struct vm_exit, u.inout_str.seg_desc);
    OFF("VM_EXIT_PAGING_GPA", struct vm_exit, u.paging.gpa);
    OFF("VM_EXIT_PAGING_FAULT_TYPE", struct vm_exit, u.paging.fault_type);
    OFF("VM_EXIT_INST_EMUL_GPA", struct vm_exit, u.inst_emul.gpa);
    OFF("VM_EXIT_INST_EMUL_GLA", struct vm_exit, u.inst_emul.gla);
    OFF("VM_EXIT_INST_EMUL_CS_BASE", struct vm_exit, u.inst_emul.cs_base);
    OFF("VM_EXIT_INST_EMUL_CS_D", struct vm_exit, u.inst_emul.cs_d);
    OFF("VM_EXIT_INST_EMUL_PAGING", struct vm_exit, u.inst_emul.paging);
    OFF("VM_EXIT_INST_EMUL_VIE", struct vm_exit, u.inst_emul.vie);
    OFF("VM_EXIT_VMX_STATUS", struct vm_exit, u.vmx.status);
    OFF("VM_EXIT_VMX_EXIT_REASON", struct vm_exit, u.vmx.exit_reason);
    OFF("VM_EXIT_VMX_EXIT_QUALIFICATION", struct vm_exit, u.vmx.exit_qualification);
    OFF("VM_EXIT_VMX_INST_TYPE", struct vm_exit, u.vmx.inst_type);
    OFF("VM_EXIT_VMX_INST_ERROR", struct vm_exit, u.vmx.inst_error);
    OFF("VM_EXIT_SVM_EXITCODE", struct vm_exit, u.svm.exitcode);
    OFF("VM_EXIT_SVM_EXITINFO1", struct vm_exit, u.svm.exitinfo1);
    OFF("VM_EXIT_SVM_EXITINFO2", struct vm_exit, u.svm.exitinfo2);
    OFF("VM_EXIT_BPT_INST_LENGTH", struct vm_exit, u.bpt.inst_length);
    OFF("VM_EXIT_MSR_CODE", struct vm_exit, u.msr.code); OFF("VM_EXIT_MSR_WVAL", struct vm_exit, u.msr.wval);
    OFF("VM_EXIT_SPINUP_AP_VCPU", struct vm_exit, u.spinup_ap.vcpu);
    OFF("VM_EXIT_SPINUP_AP_RIP", struct vm_exit, u.spinup_ap.rip);
    OFF("VM_EXIT_HLT_RFLAGS", struct vm_exit, u.hlt.rflags);
    OFF("VM_EXIT_HLT_INTR_STATUS", struct vm_exit, u.hlt.intr_status);
    OFF("VM_EXIT_IOAPIC_EOI_VECTOR", struct vm_exit, u.ioapic_eoi.vector);
    OFF("VM_EXIT_SUSPENDED_HOW", struct vm_exit, u.suspended.how);
    OFF("VM_EXIT_IPI_MODE", struct vm_exit, u.ipi.mode); OFF("VM_EXIT_IPI_VECTOR", struct vm_exit, u.ipi.vector);

    P("VM_RUN", _IOW('v', 1, struct vm_run));
    P("VM_SET_CAPABILITY", _IOW('v', 2, struct vm_capability));
    P("VM_GET_CAPABILITY", _IOWR('v', 3, struct vm_capability));
    P("VM_SUSPEND", _IOW('v', 4, struct vm_suspend));
    P("VM_REINIT", _IO('v', 5));
    P("VM_ALLOC_MEMSEG", _IOW('v', 14, struct vm_memseg));
    P("VM_GET_MEMSEG", _IOWR('v', 15, struct vm_memseg));
    P("VM_MMAP_MEMSEG", _IOW('v', 16, struct vm_memmap));
    P("VM_MMAP_GETNEXT", _IOWR('v', 17, struct vm_memmap));
    P("VM_GLA2GPA_NOFAULT", _IOWR('v', 18, struct vm_gla2gpa));
    P("VM_MUNMAP_MEMSEG", _IOW('v', 19, struct vm_munmap));
    P("VM_SET_REGISTER", _IOW('v', 20, struct vm_register));
    P("VM_GET_REGISTER", _IOWR('v', 21, struct vm_register));
    P("VM_SET_SEGMENT_DESCRIPTOR", _IOW('v', 22, struct vm_seg_desc));
    P("VM_GET_SEGMENT_DESCRIPTOR", _IOWR('v', 23, struct vm_seg_desc));
    P("VM_SET_REGISTER_SET", _IOW('v', 24, struct vm_register_set));
    P("VM_GET_REGISTER_SET", _IOWR('v', 25, struct vm_register_set));
    P("VM_STATS", _IOWR('v', 50, struct vm_stats));
    P("VM_STAT_DESC", _IOWR('v', 51, struct vm_stat_desc));
    P("VM_SET_TOPOLOGY", _IOW('v', 63, struct vm_cpu_topology));
    P("VM_GET_TOPOLOGY", _IOR('v', 64, struct vm_cpu_topology));
    P("VM_ACTIVATE_CPU", _IOW('v', 90, struct vm_activate_cpu));
    P("VM_GET_CPUS", _IOW('v', 91, struct vm_cpuset));
    P("VM_SUSPEND_CPU", _IOW('v', 92, struct vm_activate_cpu));
    P("VM_RESUME_CPU", _IOW('v', 93, struct vm_activate_cpu));
}

static void dump(const char *name, const struct vm_exit *e) {
    const uint8_t *b = (const uint8_t *)e;
    printf("EXIT %s ", name);
    for (size_t i = 0; i < sizeof *e; i++) printf("%02x", b[i]);
    printf("\n");
}

/* vm_exit records as vmm.ko fills them (vmx_exit_inout, vmx_handle_inst_emul, vm_handle_suspend, ...). */
static void exits(void) {
    struct vm_exit e;
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_INOUT; e.inst_length = 1; e.rip = 0x1000;
    e.u.inout.bytes = 1; e.u.inout.in = 0; e.u.inout.port = 0x3f8; e.u.inout.eax = 0x41;
    dump("outb_3f8_A", &e);
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_INOUT; e.inst_length = 1; e.rip = 0x1004;
    e.u.inout.bytes = 2; e.u.inout.in = 1; e.u.inout.port = 0x60; e.u.inout.eax = 0xdead1234;
    dump("inw_60", &e);
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_INOUT_STR; e.inst_length = 2; e.rip = 0x1008;
    e.u.inout_str.inout.bytes = 1; e.u.inout_str.inout.string = 1; e.u.inout_str.inout.rep = 1;
    e.u.inout_str.inout.port = 0x3f8; e.u.inout_str.paging.cpu_mode = CPU_MODE_PROTECTED;
    e.u.inout_str.paging.paging_mode = PAGING_MODE_FLAT; e.u.inout_str.rflags = 0x2; e.u.inout_str.cr0 = 0x11;
    e.u.inout_str.index = 0x2000; e.u.inout_str.count = 5; e.u.inout_str.addrsize = 4;
    e.u.inout_str.seg_name = VM_REG_GUEST_DS; e.u.inout_str.seg_desc.base = 0x100;
    e.u.inout_str.seg_desc.limit = 0xffffffff; e.u.inout_str.seg_desc.access = 0xc093;
    dump("rep_outsb_3f8_5", &e);
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_INOUT_STR; e.inst_length = 3; e.rip = 0x100c;
    e.u.inout_str.inout.bytes = 2; e.u.inout_str.inout.in = 1; e.u.inout_str.inout.string = 1;
    e.u.inout_str.inout.rep = 1; e.u.inout_str.inout.port = 0x1f0; e.u.inout_str.paging.cr3 = 0x5000;
    e.u.inout_str.paging.cpu_mode = CPU_MODE_64BIT; e.u.inout_str.paging.paging_mode = PAGING_MODE_64;
    e.u.inout_str.rflags = 0x2; e.u.inout_str.index = 0xffff800000001000ULL; e.u.inout_str.count = 3;
    e.u.inout_str.addrsize = 8; e.u.inout_str.seg_name = VM_REG_GUEST_ES; e.u.inout_str.seg_desc.base = 0x1234;
    dump("rep_insw_1f0_3_paged", &e);
    /* mov %ecx,(%rax): 89 08 */
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_INST_EMUL; e.inst_length = 2; e.rip = 0x2000;
    e.u.inst_emul.gpa = 0xd0000010; e.u.inst_emul.gla = 0xd0000010;
    e.u.inst_emul.paging.cpu_mode = CPU_MODE_64BIT; e.u.inst_emul.paging.paging_mode = PAGING_MODE_64;
    e.u.inst_emul.vie.inst[0] = 0x89; e.u.inst_emul.vie.inst[1] = 0x08; e.u.inst_emul.vie.num_valid = 2;
    e.u.inst_emul.vie.num_processed = 2; e.u.inst_emul.vie.addrsize = 8; e.u.inst_emul.vie.opsize = 4;
    e.u.inst_emul.vie.mod = 0; e.u.inst_emul.vie.reg = 1; e.u.inst_emul.vie.rm = 0;
    e.u.inst_emul.vie.base_register = VM_REG_GUEST_RAX; e.u.inst_emul.vie.index_register = VM_REG_LAST;
    e.u.inst_emul.vie.segment_register = VM_REG_LAST;
    e.u.inst_emul.vie.decoded = 1; e.u.inst_emul.vie.op.op_byte = 0x89; e.u.inst_emul.vie.op.op_type = 1;
    dump("mov_ecx_to_mem", &e);
    /* mov (%rax),%r9: 4c 8b 08 (REX.W REX.R; the decoder folds REX.R into reg) */
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_INST_EMUL; e.inst_length = 3; e.rip = 0x2010;
    e.u.inst_emul.gpa = 0xd0000020; e.u.inst_emul.paging.cpu_mode = CPU_MODE_64BIT;
    e.u.inst_emul.vie.inst[0] = 0x4c; e.u.inst_emul.vie.inst[1] = 0x8b; e.u.inst_emul.vie.inst[2] = 0x08;
    e.u.inst_emul.vie.num_valid = 3; e.u.inst_emul.vie.num_processed = 3; e.u.inst_emul.vie.addrsize = 8;
    e.u.inst_emul.vie.opsize = 8; e.u.inst_emul.vie.rex_present = 1; e.u.inst_emul.vie.rex_w = 1;
    e.u.inst_emul.vie.rex_r = 1; e.u.inst_emul.vie.reg = 9; e.u.inst_emul.vie.decoded = 1;
    e.u.inst_emul.vie.op.op_byte = 0x8b; e.u.inst_emul.vie.op.op_type = 1;
    dump("mov_mem_to_r9", &e);
    /* movb $0x7f,(%rax): c6 00 7f */
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_INST_EMUL; e.inst_length = 3; e.rip = 0x2020;
    e.u.inst_emul.gpa = 0xd0000030; e.u.inst_emul.vie.num_valid = 3; e.u.inst_emul.vie.opsize = 1;
    e.u.inst_emul.vie.imm_bytes = 1; e.u.inst_emul.vie.immediate = 0x7f; e.u.inst_emul.vie.decoded = 1;
    e.u.inst_emul.vie.op.op_byte = 0xc6; e.u.inst_emul.vie.op.op_type = 1;
    dump("movb_imm_to_mem", &e);
    /* an instruction the kernel could not decode */
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_INST_EMUL; e.rip = 0x2030; e.u.inst_emul.gpa = 0xd0000040;
    dump("undecoded_inst_emul", &e);
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_HLT; e.inst_length = 1; e.rip = 0x1010;
    e.u.hlt.rflags = 0x202; dump("hlt", &e);
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_SUSPENDED; e.rip = 0x1020;
    e.u.suspended.how = VM_SUSPEND_POWEROFF; dump("suspended_poweroff", &e);
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_SUSPENDED; e.rip = 0x1020;
    e.u.suspended.how = VM_SUSPEND_TRIPLEFAULT; dump("suspended_triplefault", &e);
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_BOGUS; e.rip = 0x1030; dump("bogus", &e);
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_MTRAP; e.rip = 0x1040; dump("mtrap", &e);
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_BPT; e.rip = 0x1050; e.u.bpt.inst_length = 1; dump("bpt", &e);
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_VMX; e.rip = 0x1060; e.u.vmx.status = 0;
    e.u.vmx.exit_reason = 33; dump("vmx_entry_failure", &e);
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_RDMSR; e.rip = 0x1070; e.u.msr.code = 0xc0000080; dump("rdmsr", &e);
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_WRMSR; e.rip = 0x1074; e.u.msr.code = 0x277;
    e.u.msr.wval = 0x0007040600070406ULL; dump("wrmsr_pat", &e);
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_SPINUP_AP; e.rip = 0x1078; e.u.spinup_ap.vcpu = 3;
    e.u.spinup_ap.rip = 0x9f000; dump("spinup_ap_3", &e);
    memset(&e, 0, sizeof e); e.exitcode = VM_EXITCODE_MAX + 7; e.rip = 0x1080; dump("from_the_future", &e);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "exits") == 0) exits(); else layout();
    return 0;
}
