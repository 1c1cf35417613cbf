package org.vmm4j.openbsd.abi;

/**
 * Release-independent constants of OpenBSD's {@code sys/dev/vmm/vmm.h} (1.13) and
 * {@code sys/arch/amd64/include/vmmvar.h} (1.117), amd64. What differs between releases (register
 * index order, struct layouts, request numbers) lives in {@link VmmAbi}.
 */
public final class VmmVar {
    public static final String VMM_NODE = "/dev/vmm";
    public static final char IOCTL_GROUP = 'V';

    public static final int VMM_MAX_MEM_RANGES = 16;
    public static final int VMM_MAX_NAME_LEN = 64;
    public static final int VMM_MAX_VCPUS = 512;
    public static final int VMM_MAX_VCPUS_PER_VM = 64;
    public static final long VMM_MAX_VM_MEM_SIZE = 128L * 1024 * 1024 * 1024;

    public static final int VM_MEM_RAM = 0;
    public static final int VM_MEM_RESERVED = 1;
    public static final int VM_MEM_MMIO = 2;

    // ioctl numbers (the nr in _IOC); the direction and size come from VmmAbi.
    public static final int NR_CREATE = 1;
    public static final int NR_RUN = 2;
    public static final int NR_INFO = 3;
    public static final int NR_TERM = 4;
    public static final int NR_RESETCPU = 5;
    public static final int NR_INTR = 6;
    public static final int NR_READREGS = 7;
    public static final int NR_WRITEREGS = 8;
    public static final int NR_READVMPARAMS = 9;
    public static final int NR_WRITEVMPARAMS = 10;
    public static final int NR_SHAREMEM = 11;

    public static final int VM_RWREGS_GPRS = 0x1;
    public static final int VM_RWREGS_SREGS = 0x2;
    public static final int VM_RWREGS_CRS = 0x4;
    public static final int VM_RWREGS_MSRS = 0x8;
    public static final int VM_RWREGS_DRS = 0x10;
    public static final int VM_RWREGS_ALL =
            VM_RWREGS_GPRS | VM_RWREGS_SREGS | VM_RWREGS_CRS | VM_RWREGS_MSRS | VM_RWREGS_DRS;

    public static final int VCPU_INJECT_NONE = 0;
    public static final int VCPU_INJECT_INTR = 1;
    public static final int VCPU_INJECT_EX = 2;
    public static final int VCPU_INJECT_NMI = 3;

    public static final int VEI_DIR_OUT = 0;
    public static final int VEI_DIR_IN = 1;

    public static final int VEE_FAULT_INVALID = 0;
    public static final int VEE_FAULT_HANDLED = 1;
    public static final int VEE_FAULT_MMIO_ASSIST = 2;
    public static final int VEE_FAULT_PROTECT = 3;
    public static final int VEE_LEN_VALID = 0x1;
    public static final int VEE_BYTES_VALID = 0x2;

    public static final int VCPU_STATE_STOPPED = 0;
    public static final int VCPU_STATE_RUNNING = 1;
    public static final int VCPU_STATE_REQTERM = 2;
    public static final int VCPU_STATE_TERMINATED = 3;
    public static final int VCPU_STATE_UNKNOWN = 4;

    // Register array lengths: the index #defines give the last index, the counts are last + 1.
    public static final int VCPU_REGS_NGPRS = 18;
    public static final int VCPU_REGS_NCRS = 10;
    public static final int VCPU_REGS_NSREGS = 8;
    public static final int VCPU_REGS_NMSRS = 7;
    public static final int VCPU_REGS_NDRS = 6;

    // Release-independent register indices (the GPR and segment orders are in VmmAbi).
    public static final int VCPU_REGS_RIP = 16;
    public static final int VCPU_REGS_RFLAGS = 17;
    public static final int VCPU_REGS_CR0 = 0;
    public static final int VCPU_REGS_CR2 = 1;
    public static final int VCPU_REGS_CR3 = 2;
    public static final int VCPU_REGS_CR4 = 3;
    public static final int VCPU_REGS_CR8 = 4;
    public static final int VCPU_REGS_XCR0 = 5;
    public static final int VCPU_REGS_EFER = 0;
    public static final int VCPU_REGS_STAR = 1;
    public static final int VCPU_REGS_LSTAR = 2;
    public static final int VCPU_REGS_CSTAR = 3;
    public static final int VCPU_REGS_SFMASK = 4;
    public static final int VCPU_REGS_KGSBASE = 5;
    public static final int VCPU_REGS_MISC_ENABLE = 6;

    // Exit reasons: raw VMX basic exit reasons and SVM exit codes, plus vmm's own two.
    public static final int VMX_EXIT_EXTINT = 1;
    public static final int VMX_EXIT_TRIPLE_FAULT = 2;
    public static final int VMX_EXIT_INT_WINDOW = 7;
    public static final int VMX_EXIT_CPUID = 10;
    public static final int VMX_EXIT_HLT = 12;
    public static final int VMX_EXIT_IO = 30;
    public static final int VMX_EXIT_ENTRY_FAILED_GUEST_STATE = 33;
    public static final int VMX_EXIT_ENTRY_FAILED_MSR_LOAD = 34;
    public static final int VMX_EXIT_ENTRY_FAILED_MCE = 41;
    public static final int VMX_EXIT_EPT_VIOLATION = 48;
    public static final int SVM_VMEXIT_INTR = 0x60;
    public static final int SVM_VMEXIT_VINTR = 0x64;
    public static final int SVM_VMEXIT_CPUID = 0x72;
    public static final int SVM_VMEXIT_HLT = 0x78;
    public static final int SVM_VMEXIT_IOIO = 0x7B;
    public static final int SVM_VMEXIT_MSR = 0x7C;
    public static final int SVM_VMEXIT_SHUTDOWN = 0x7F;
    public static final int SVM_VMEXIT_NPF = 0x400;
    public static final int VM_EXIT_TERMINATED = 0xFFFE;
    public static final int VM_EXIT_NONE = 0xFFFF;

    public static final String VMM_HV_SIGNATURE = "OpenBSDVMM58";

    private VmmVar() {}
}
