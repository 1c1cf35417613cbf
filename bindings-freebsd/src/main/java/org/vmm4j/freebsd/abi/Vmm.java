package org.vmm4j.freebsd.abi;

/**
 * Enums and limits of FreeBSD 14.x {@code sys/amd64/include/vmm.h} (amd64). The header's enums have
 * no initializers: values are their position. FreeBSD 15 appends members before the {@code *_LAST}
 * and {@code *_MAX} markers (see {@code ../shared/abi/freebsd-vmm.md} F.9), so those markers are
 * 14.x values and are never sent to the kernel.
 */
public final class Vmm {
    private Vmm() {}

    // VM names (SPECNAMELEN 255 on 14.x)
    public static final int SPECNAMELEN = 255;
    public static final int VM_MAX_PREFIXLEN = 10;
    public static final int VM_MAX_SUFFIXLEN = 15;
    public static final int VM_MIN_NAMELEN = 6;
    public static final int VM_MAX_NAMELEN = SPECNAMELEN - VM_MAX_PREFIXLEN - VM_MAX_SUFFIXLEN - 1;

    // enum vm_suspend_how
    public static final int VM_SUSPEND_NONE = 0;
    public static final int VM_SUSPEND_RESET = 1;
    public static final int VM_SUSPEND_POWEROFF = 2;
    public static final int VM_SUSPEND_HALT = 3;
    public static final int VM_SUSPEND_TRIPLEFAULT = 4;
    public static final int VM_SUSPEND_LAST = 5;

    // enum vm_reg_name
    public static final int VM_REG_GUEST_RAX = 0;
    public static final int VM_REG_GUEST_RBX = 1;
    public static final int VM_REG_GUEST_RCX = 2;
    public static final int VM_REG_GUEST_RDX = 3;
    public static final int VM_REG_GUEST_RSI = 4;
    public static final int VM_REG_GUEST_RDI = 5;
    public static final int VM_REG_GUEST_RBP = 6;
    public static final int VM_REG_GUEST_R8 = 7;
    public static final int VM_REG_GUEST_R9 = 8;
    public static final int VM_REG_GUEST_R10 = 9;
    public static final int VM_REG_GUEST_R11 = 10;
    public static final int VM_REG_GUEST_R12 = 11;
    public static final int VM_REG_GUEST_R13 = 12;
    public static final int VM_REG_GUEST_R14 = 13;
    public static final int VM_REG_GUEST_R15 = 14;
    public static final int VM_REG_GUEST_CR0 = 15;
    public static final int VM_REG_GUEST_CR3 = 16;
    public static final int VM_REG_GUEST_CR4 = 17;
    public static final int VM_REG_GUEST_DR7 = 18;
    public static final int VM_REG_GUEST_RSP = 19;
    public static final int VM_REG_GUEST_RIP = 20;
    public static final int VM_REG_GUEST_RFLAGS = 21;
    public static final int VM_REG_GUEST_ES = 22;
    public static final int VM_REG_GUEST_CS = 23;
    public static final int VM_REG_GUEST_SS = 24;
    public static final int VM_REG_GUEST_DS = 25;
    public static final int VM_REG_GUEST_FS = 26;
    public static final int VM_REG_GUEST_GS = 27;
    public static final int VM_REG_GUEST_LDTR = 28;
    public static final int VM_REG_GUEST_TR = 29;
    public static final int VM_REG_GUEST_IDTR = 30;
    public static final int VM_REG_GUEST_GDTR = 31;
    public static final int VM_REG_GUEST_EFER = 32;
    public static final int VM_REG_GUEST_CR2 = 33;
    public static final int VM_REG_GUEST_PDPTE0 = 34;
    public static final int VM_REG_GUEST_PDPTE1 = 35;
    public static final int VM_REG_GUEST_PDPTE2 = 36;
    public static final int VM_REG_GUEST_PDPTE3 = 37;
    public static final int VM_REG_GUEST_INTR_SHADOW = 38;
    public static final int VM_REG_GUEST_DR0 = 39;
    public static final int VM_REG_GUEST_DR1 = 40;
    public static final int VM_REG_GUEST_DR2 = 41;
    public static final int VM_REG_GUEST_DR3 = 42;
    public static final int VM_REG_GUEST_DR6 = 43;
    public static final int VM_REG_GUEST_ENTRY_INST_LENGTH = 44;
    public static final int VM_REG_LAST = 45;

    // enum vm_cap_type
    public static final int VM_CAP_HALT_EXIT = 0;
    public static final int VM_CAP_MTRAP_EXIT = 1;
    public static final int VM_CAP_PAUSE_EXIT = 2;
    public static final int VM_CAP_UNRESTRICTED_GUEST = 3;
    public static final int VM_CAP_ENABLE_INVPCID = 4;
    public static final int VM_CAP_BPT_EXIT = 5;
    public static final int VM_CAP_RDPID = 6;
    public static final int VM_CAP_RDTSCP = 7;
    public static final int VM_CAP_IPI_EXIT = 8;
    public static final int VM_CAP_MASK_HWINTR = 9;
    public static final int VM_CAP_MAX = 10;

    // enum vm_exitcode
    public static final int VM_EXITCODE_INOUT = 0;
    public static final int VM_EXITCODE_VMX = 1;
    public static final int VM_EXITCODE_BOGUS = 2;
    public static final int VM_EXITCODE_RDMSR = 3;
    public static final int VM_EXITCODE_WRMSR = 4;
    public static final int VM_EXITCODE_HLT = 5;
    public static final int VM_EXITCODE_MTRAP = 6;
    public static final int VM_EXITCODE_PAUSE = 7;
    public static final int VM_EXITCODE_PAGING = 8;
    public static final int VM_EXITCODE_INST_EMUL = 9;
    public static final int VM_EXITCODE_SPINUP_AP = 10;
    public static final int VM_EXITCODE_DEPRECATED1 = 11;
    public static final int VM_EXITCODE_RENDEZVOUS = 12;
    public static final int VM_EXITCODE_IOAPIC_EOI = 13;
    public static final int VM_EXITCODE_SUSPENDED = 14;
    public static final int VM_EXITCODE_INOUT_STR = 15;
    public static final int VM_EXITCODE_TASK_SWITCH = 16;
    public static final int VM_EXITCODE_MONITOR = 17;
    public static final int VM_EXITCODE_MWAIT = 18;
    public static final int VM_EXITCODE_SVM = 19;
    public static final int VM_EXITCODE_REQIDLE = 20;
    public static final int VM_EXITCODE_DEBUG = 21;
    public static final int VM_EXITCODE_VMINSN = 22;
    public static final int VM_EXITCODE_BPT = 23;
    public static final int VM_EXITCODE_IPI = 24;
    public static final int VM_EXITCODE_MAX = 25;

    // enum vm_cpu_mode, enum vm_paging_mode
    public static final int CPU_MODE_REAL = 0;
    public static final int CPU_MODE_PROTECTED = 1;
    public static final int CPU_MODE_COMPATIBILITY = 2;
    public static final int CPU_MODE_64BIT = 3;
    public static final int PAGING_MODE_FLAT = 0;
    public static final int PAGING_MODE_32 = 1;
    public static final int PAGING_MODE_PAE = 2;
    public static final int PAGING_MODE_64 = 3;
    public static final int PAGING_MODE_64_LA57 = 4;

    // enum x2apic_state
    public static final int X2APIC_DISABLED = 0;
    public static final int X2APIC_ENABLED = 1;

    // seg_desc.access bits (Intel SDM vol. 3 table 24-2 format; bit 16 = unusable)
    public static final int SEG_DESC_TYPE_MASK = 0x001f;
    public static final int SEG_DESC_DPL_SHIFT = 5;
    public static final int SEG_DESC_PRESENT = 0x0080;
    public static final int SEG_DESC_AVL = 0x1000;
    public static final int SEG_DESC_LONG = 0x2000;
    public static final int SEG_DESC_DEF32 = 0x4000;
    public static final int SEG_DESC_GRANULARITY = 0x8000;
    public static final int SEG_DESC_UNUSABLE = 0x10000;

    // libvmmapi 14: enum { VM_SYSMEM, VM_BOOTROM, VM_FRAMEBUFFER, VM_PCIROM }, enum vm_mmap_style
    public static final int VM_SYSMEM = 0;
    public static final int VM_BOOTROM = 1;
    public static final int VM_FRAMEBUFFER = 2;
    public static final int VM_PCIROM = 3;
    public static final int VM_MMAP_NONE = 0;
    public static final int VM_MMAP_ALL = 1;
    public static final int VM_MMAP_SPARSE = 2;
}
