package org.vmm4j.linux.abi;

/**
 * Constants of {@code <linux/kvm.h>} (x86-64, Linux 6.1 UAPI): ioctl request numbers, capabilities,
 * exit reasons and flags. Every value here is compared with the C compiler's answer by
 * {@code KvmHeaderLayoutTest}.
 */
public final class KvmHeader {
    private KvmHeader() {}

    /** The API version every KVM since 2.6.22 reports. */
    public static final int KVM_API_VERSION = 12;

    public static final int KVMIO = 0xAE;

    private static final int IOC_WRITE = 1;
    private static final int IOC_READ = 2;

    static long io(int nr) {
        return ioc(0, nr, 0);
    }

    static long ior(int nr, int size) {
        return ioc(IOC_READ, nr, size);
    }

    static long iow(int nr, int size) {
        return ioc(IOC_WRITE, nr, size);
    }

    static long iowr(int nr, int size) {
        return ioc(IOC_READ | IOC_WRITE, nr, size);
    }

    private static long ioc(int dir, int nr, int size) {
        return ((long) dir << 30) | ((long) size << 16) | ((long) KVMIO << 8) | nr;
    }

    // System ioctls (/dev/kvm)
    public static final long KVM_GET_API_VERSION = io(0x00);
    public static final long KVM_CREATE_VM = io(0x01);
    public static final long KVM_GET_MSR_INDEX_LIST = iowr(0x02, KvmStructs.MsrList.SIZE);
    public static final long KVM_CHECK_EXTENSION = io(0x03);
    public static final long KVM_GET_VCPU_MMAP_SIZE = io(0x04);
    public static final long KVM_GET_SUPPORTED_CPUID = iowr(0x05, KvmStructs.Cpuid2.SIZE);

    // VM ioctls
    public static final long KVM_CREATE_VCPU = io(0x41);
    public static final long KVM_GET_DIRTY_LOG = iow(0x42, KvmStructs.DirtyLog.SIZE);
    public static final long KVM_SET_USER_MEMORY_REGION = iow(0x46, KvmStructs.UserspaceMemoryRegion.SIZE);
    public static final long KVM_SET_TSS_ADDR = io(0x47);
    public static final long KVM_SET_IDENTITY_MAP_ADDR = iow(0x48, 8);
    public static final long KVM_CREATE_IRQCHIP = io(0x60);
    public static final long KVM_IRQ_LINE = iow(0x61, KvmStructs.IrqLevel.SIZE);
    public static final long KVM_CREATE_PIT2 = iow(0x77, KvmStructs.PitConfig.SIZE);
    public static final long KVM_GET_STATS_FD = io(0xce);
    public static final long KVM_ENABLE_CAP = iow(0xa3, KvmStructs.EnableCap.SIZE);
    public static final long KVM_SIGNAL_MSI = iow(0xa5, KvmStructs.Msi.SIZE);
    public static final long KVM_SET_GSI_ROUTING = iow(0x6a, KvmStructs.IrqRouting.SIZE);
    public static final long KVM_IRQFD = iow(0x76, KvmStructs.Irqfd.SIZE);
    public static final long KVM_IOEVENTFD = iow(0x79, KvmStructs.Ioeventfd.SIZE);
    public static final long KVM_GET_IRQCHIP = iowr(0x62, KvmStructs.Irqchip.SIZE);
    // KVM_SET_IRQCHIP is _IOR in the header (a historical slip the ABI keeps)
    public static final long KVM_SET_IRQCHIP = ior(0x63, KvmStructs.Irqchip.SIZE);
    public static final long KVM_SET_CLOCK = iow(0x7b, KvmStructs.ClockData.SIZE);
    public static final long KVM_GET_CLOCK = ior(0x7c, KvmStructs.ClockData.SIZE);
    public static final long KVM_GET_PIT2 = ior(0x9f, KvmStructs.PitState2.SIZE);
    public static final long KVM_SET_PIT2 = iow(0xa0, KvmStructs.PitState2.SIZE);

    // vCPU ioctls
    public static final long KVM_RUN = io(0x80);
    public static final long KVM_GET_REGS = ior(0x81, KvmStructs.Regs.SIZE);
    public static final long KVM_SET_REGS = iow(0x82, KvmStructs.Regs.SIZE);
    public static final long KVM_GET_SREGS = ior(0x83, KvmStructs.Sregs.SIZE);
    public static final long KVM_SET_SREGS = iow(0x84, KvmStructs.Sregs.SIZE);
    public static final long KVM_GET_MSRS = iowr(0x88, KvmStructs.Msrs.SIZE);
    public static final long KVM_SET_MSRS = iow(0x89, KvmStructs.Msrs.SIZE);
    public static final long KVM_SET_SIGNAL_MASK = iow(0x8b, KvmStructs.SignalMask.SIZE);
    public static final long KVM_GET_FPU = ior(0x8c, KvmStructs.Fpu.SIZE);
    public static final long KVM_SET_FPU = iow(0x8d, KvmStructs.Fpu.SIZE);
    public static final long KVM_GET_LAPIC = ior(0x8e, KvmStructs.LapicState.SIZE);
    public static final long KVM_SET_LAPIC = iow(0x8f, KvmStructs.LapicState.SIZE);
    public static final long KVM_SET_CPUID2 = iow(0x90, KvmStructs.Cpuid2.SIZE);
    public static final long KVM_GET_CPUID2 = iowr(0x91, KvmStructs.Cpuid2.SIZE);
    public static final long KVM_GET_MP_STATE = ior(0x98, KvmStructs.MpState.SIZE);
    public static final long KVM_SET_MP_STATE = iow(0x99, KvmStructs.MpState.SIZE);
    public static final long KVM_SET_GUEST_DEBUG = iow(0x9b, KvmStructs.GuestDebug.SIZE);
    public static final long KVM_TRANSLATE = iowr(0x85, KvmStructs.Translation.SIZE);
    public static final long KVM_GET_VCPU_EVENTS = ior(0x9f, KvmStructs.VcpuEvents.SIZE);
    public static final long KVM_SET_VCPU_EVENTS = iow(0xa0, KvmStructs.VcpuEvents.SIZE);
    public static final long KVM_SET_TSC_KHZ = io(0xa2);
    public static final long KVM_GET_TSC_KHZ = io(0xa3);
    public static final long KVM_KVMCLOCK_CTRL = io(0xad);
    public static final long KVM_GET_DEBUGREGS = ior(0xa1, KvmStructs.Debugregs.SIZE);
    public static final long KVM_SET_DEBUGREGS = iow(0xa2, KvmStructs.Debugregs.SIZE);
    public static final long KVM_GET_XSAVE = ior(0xa4, KvmStructs.Xsave.SIZE);
    public static final long KVM_SET_XSAVE = iow(0xa5, KvmStructs.Xsave.SIZE);
    public static final long KVM_GET_XCRS = ior(0xa6, KvmStructs.Xcrs.SIZE);
    public static final long KVM_SET_XCRS = iow(0xa7, KvmStructs.Xcrs.SIZE);
    /** Fills as many bytes as KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2) says (at least the 4096 of the struct). */
    public static final long KVM_GET_XSAVE2 = ior(0xcf, KvmStructs.Xsave.SIZE);

    public static final long KVM_GET_SREGS2 = ior(0xcc, KvmStructs.Sregs2.SIZE);
    public static final long KVM_SET_SREGS2 = iow(0xcd, KvmStructs.Sregs2.SIZE);
    /** Fills up to the buffer size given in {@code kvm_nested_state.size} (KVM_CHECK_EXTENSION(KVM_CAP_NESTED_STATE)). */
    public static final long KVM_GET_NESTED_STATE = iowr(0xbe, KvmStructs.NestedState.SIZE);

    public static final long KVM_SET_NESTED_STATE = iow(0xbf, KvmStructs.NestedState.SIZE);

    // Capabilities (KVM_CHECK_EXTENSION)
    public static final int KVM_CAP_IRQCHIP = 0;
    public static final int KVM_CAP_HLT = 1;
    public static final int KVM_CAP_USER_MEMORY = 3;
    public static final int KVM_CAP_SET_TSS_ADDR = 4;
    public static final int KVM_CAP_EXT_CPUID = 7;
    public static final int KVM_CAP_NR_VCPUS = 9;
    public static final int KVM_CAP_NR_MEMSLOTS = 10;
    public static final int KVM_CAP_PIT = 11;
    public static final int KVM_CAP_MP_STATE = 14;
    public static final int KVM_CAP_SYNC_MMU = 16;
    public static final int KVM_CAP_SET_GUEST_DEBUG = 23;
    public static final int KVM_CAP_PIT2 = 33;
    public static final int KVM_CAP_SET_IDENTITY_MAP_ADDR = 37;
    public static final int KVM_CAP_MAX_VCPUS = 66;
    public static final int KVM_CAP_READONLY_MEM = 81;
    public static final int KVM_CAP_MAX_VCPU_ID = 128;
    public static final int KVM_CAP_IMMEDIATE_EXIT = 136;
    public static final int KVM_CAP_BINARY_STATS_FD = 203;
    public static final int KVM_CAP_SIGNAL_MSI = 77;
    public static final int KVM_CAP_IRQ_ROUTING = 25;
    public static final int KVM_CAP_SPLIT_IRQCHIP = 121;
    public static final int KVM_CAP_IRQFD = 32;
    public static final int KVM_CAP_IOEVENTFD = 36;
    public static final int KVM_CAP_IRQFD_RESAMPLE = 82;
    public static final int KVM_CAP_INTERNAL_ERROR_DATA = 40;
    public static final int KVM_CAP_VCPU_EVENTS = 41;
    public static final int KVM_CAP_EXIT_ON_EMULATION_FAILURE = 204;
    public static final int KVM_CAP_PIT_STATE2 = 35;
    public static final int KVM_CAP_ADJUST_CLOCK = 39;
    public static final int KVM_CAP_DEBUGREGS = 50;
    public static final int KVM_CAP_XSAVE = 55;
    public static final int KVM_CAP_XCRS = 56;
    public static final int KVM_CAP_XSAVE2 = 208;
    public static final int KVM_CAP_TSC_CONTROL = 60;
    public static final int KVM_CAP_GET_TSC_KHZ = 61;
    public static final int KVM_CAP_KVMCLOCK_CTRL = 76;
    /** The largest {@code kvm_nested_state} KVM_GET_NESTED_STATE may fill; 0 without nested virtualization. */
    public static final int KVM_CAP_NESTED_STATE = 157;

    public static final int KVM_CAP_SREGS2 = 200;

    // Exit reasons (kvm_run.exit_reason)
    public static final int KVM_EXIT_UNKNOWN = 0;
    public static final int KVM_EXIT_EXCEPTION = 1;
    public static final int KVM_EXIT_IO = 2;
    public static final int KVM_EXIT_HYPERCALL = 3;
    public static final int KVM_EXIT_DEBUG = 4;
    public static final int KVM_EXIT_HLT = 5;
    public static final int KVM_EXIT_MMIO = 6;
    public static final int KVM_EXIT_IRQ_WINDOW_OPEN = 7;
    public static final int KVM_EXIT_SHUTDOWN = 8;
    public static final int KVM_EXIT_FAIL_ENTRY = 9;
    public static final int KVM_EXIT_INTR = 10;
    public static final int KVM_EXIT_INTERNAL_ERROR = 17;
    public static final int KVM_EXIT_SYSTEM_EVENT = 24;
    public static final int KVM_EXIT_IOAPIC_EOI = 26;

    public static final int KVM_EXIT_IO_IN = 0;
    public static final int KVM_EXIT_IO_OUT = 1;

    public static final int KVM_INTERNAL_ERROR_EMULATION = 1;
    public static final int KVM_INTERNAL_ERROR_SIMUL_EX = 2;
    public static final int KVM_INTERNAL_ERROR_DELIVERY_EV = 3;
    public static final int KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON = 4;
    public static final long KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES = 1;

    public static final int KVM_VCPUEVENT_VALID_NMI_PENDING = 0x1;
    public static final int KVM_VCPUEVENT_VALID_SIPI_VECTOR = 0x2;
    public static final int KVM_VCPUEVENT_VALID_SHADOW = 0x4;
    public static final int KVM_VCPUEVENT_VALID_SMM = 0x8;
    public static final int KVM_VCPUEVENT_VALID_PAYLOAD = 0x10;

    public static final int KVM_SYSTEM_EVENT_SHUTDOWN = 1;
    public static final int KVM_SYSTEM_EVENT_RESET = 2;
    public static final int KVM_SYSTEM_EVENT_CRASH = 3;

    // Flags
    public static final int KVM_MEM_LOG_DIRTY_PAGES = 1;
    public static final int KVM_MEM_READONLY = 1 << 1;
    public static final int KVM_PIT_SPEAKER_DUMMY = 1;
    public static final int KVM_IRQ_ROUTING_MSI = 2;
    public static final int KVM_IOEVENTFD_FLAG_DATAMATCH = 1;
    public static final int KVM_IOEVENTFD_FLAG_PIO = 1 << 1;
    public static final int KVM_IOEVENTFD_FLAG_DEASSIGN = 1 << 2;
    public static final int KVM_IRQFD_FLAG_DEASSIGN = 1;
    public static final int KVM_IRQFD_FLAG_RESAMPLE = 1 << 1;
    public static final int KVM_GUESTDBG_ENABLE = 0x1;
    public static final int KVM_GUESTDBG_SINGLESTEP = 0x2;
    public static final int KVM_CLOCK_TSC_STABLE = 2;
    public static final int KVM_CLOCK_REALTIME = 1 << 2;
    public static final int KVM_CLOCK_HOST_TSC = 1 << 3;
    public static final int KVM_IRQCHIP_PIC_MASTER = 0;
    public static final int KVM_IRQCHIP_PIC_SLAVE = 1;
    public static final int KVM_IRQCHIP_IOAPIC = 2;
    public static final int KVM_IOAPIC_NUM_PINS = 24;
    public static final int KVM_MAX_XCRS = 16;
    public static final int KVM_SREGS2_FLAGS_PDPTRS_VALID = 1;
    public static final int KVM_STATE_NESTED_FORMAT_VMX = 0;
    public static final int KVM_STATE_NESTED_FORMAT_SVM = 1;
    public static final int KVM_STATE_NESTED_GUEST_MODE = 0x1;

    // Binary statistics (KVM_GET_STATS_FD)
    public static final int KVM_STATS_TYPE_MASK = 0xF;
    public static final int KVM_STATS_TYPE_CUMULATIVE = 0;
    public static final int KVM_STATS_TYPE_INSTANT = 1;
    public static final int KVM_STATS_TYPE_PEAK = 2;
    public static final int KVM_STATS_TYPE_LINEAR_HIST = 3;
    public static final int KVM_STATS_TYPE_LOG_HIST = 4;
    public static final int KVM_STATS_UNIT_SHIFT = 4;
    public static final int KVM_STATS_UNIT_MASK = 0xF << 4;
    public static final int KVM_STATS_UNIT_NONE = 0;
    public static final int KVM_STATS_UNIT_BYTES = 1 << 4;
    public static final int KVM_STATS_UNIT_SECONDS = 2 << 4;
    public static final int KVM_STATS_UNIT_CYCLES = 3 << 4;
    public static final int KVM_STATS_UNIT_BOOLEAN = 4 << 4;
    public static final int KVM_STATS_BASE_SHIFT = 8;
    public static final int KVM_STATS_BASE_MASK = 0xF << 8;
    public static final int KVM_STATS_BASE_POW10 = 0;
    public static final int KVM_STATS_BASE_POW2 = 1 << 8;

    public static final int KVM_MP_STATE_RUNNABLE = 0;
    public static final int KVM_MP_STATE_UNINITIALIZED = 1;
    public static final int KVM_MP_STATE_INIT_RECEIVED = 2;
    public static final int KVM_MP_STATE_HALTED = 3;
    public static final int KVM_MP_STATE_SIPI_RECEIVED = 4;

    /** The exit reason's name, for messages. */
    public static String exitReasonName(int reason) {
        return switch (reason) {
            case KVM_EXIT_UNKNOWN -> "KVM_EXIT_UNKNOWN";
            case KVM_EXIT_EXCEPTION -> "KVM_EXIT_EXCEPTION";
            case KVM_EXIT_IO -> "KVM_EXIT_IO";
            case KVM_EXIT_HYPERCALL -> "KVM_EXIT_HYPERCALL";
            case KVM_EXIT_DEBUG -> "KVM_EXIT_DEBUG";
            case KVM_EXIT_HLT -> "KVM_EXIT_HLT";
            case KVM_EXIT_MMIO -> "KVM_EXIT_MMIO";
            case KVM_EXIT_IRQ_WINDOW_OPEN -> "KVM_EXIT_IRQ_WINDOW_OPEN";
            case KVM_EXIT_SHUTDOWN -> "KVM_EXIT_SHUTDOWN";
            case KVM_EXIT_FAIL_ENTRY -> "KVM_EXIT_FAIL_ENTRY";
            case KVM_EXIT_INTR -> "KVM_EXIT_INTR";
            case KVM_EXIT_INTERNAL_ERROR -> "KVM_EXIT_INTERNAL_ERROR";
            case KVM_EXIT_SYSTEM_EVENT -> "KVM_EXIT_SYSTEM_EVENT";
            case KVM_EXIT_IOAPIC_EOI -> "KVM_EXIT_IOAPIC_EOI";
            default -> "KVM exit " + reason;
        };
    }
}
