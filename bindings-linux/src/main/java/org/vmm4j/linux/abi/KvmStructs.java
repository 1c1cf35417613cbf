package org.vmm4j.linux.abi;

/**
 * Struct layouts of {@code <linux/kvm.h>} (x86-64, Linux 6.1 UAPI) as sizes and field offsets, in the
 * shape jextract would produce. {@code KvmHeaderLayoutTest} compares every number with
 * {@code sizeof}/{@code offsetof} from the C compiler.
 */
public final class KvmStructs {
    private KvmStructs() {}

    /** struct kvm_run: the area mapped from the vCPU fd. */
    public static final class Run {
        public static final int REQUEST_INTERRUPT_WINDOW = 0;
        public static final int IMMEDIATE_EXIT = 1;
        public static final int EXIT_REASON = 8;
        public static final int READY_FOR_INTERRUPT_INJECTION = 12;
        public static final int IF_FLAG = 13;
        public static final int FLAGS = 14;
        public static final int CR8 = 16;
        public static final int APIC_BASE = 24;
        /** The exit union. */
        public static final int EXIT = 32;
        // io
        public static final int IO_DIRECTION = 32;
        public static final int IO_SIZE = 33;
        public static final int IO_PORT = 34;
        public static final int IO_COUNT = 36;
        public static final int IO_DATA_OFFSET = 40;
        // mmio
        public static final int MMIO_PHYS_ADDR = 32;
        public static final int MMIO_DATA = 40;
        public static final int MMIO_LEN = 48;
        public static final int MMIO_IS_WRITE = 52;
        // fail_entry
        public static final int FAIL_ENTRY_HARDWARE_REASON = 32;
        public static final int FAIL_ENTRY_CPU = 40;
        // internal
        public static final int INTERNAL_SUBERROR = 32;
        public static final int INTERNAL_NDATA = 36;
        public static final int INTERNAL_DATA = 40;
        // emulation_failure (the overlay of internal for KVM_INTERNAL_ERROR_EMULATION)
        public static final int EMULATION_FAILURE_FLAGS = 40;
        public static final int EMULATION_FAILURE_INSN_SIZE = 48;
        public static final int EMULATION_FAILURE_INSN_BYTES = 49;
        // system_event
        public static final int SYSTEM_EVENT_TYPE = 32;
        public static final int EOI_VECTOR = 32;
        public static final int SYSTEM_EVENT_NDATA = 36;
        public static final int SYSTEM_EVENT_DATA = 40;
        // debug.arch (struct kvm_debug_exit_arch)
        public static final int DEBUG_EXCEPTION = 32;
        public static final int DEBUG_PC = 40;
        public static final int DEBUG_DR6 = 48;
        public static final int DEBUG_DR7 = 56;
        public static final int KVM_VALID_REGS = 288;
        public static final int KVM_DIRTY_REGS = 296;
        public static final int S = 304;

        private Run() {}
    }

    /** struct kvm_regs. */
    public static final class Regs {
        public static final int SIZE = 144;
        public static final int RAX = 0;
        public static final int RIP = 128;
        public static final int RFLAGS = 136;

        private Regs() {}
    }

    /** struct kvm_segment. */
    public static final class SegmentLayout {
        public static final int SIZE = 24;
        public static final int BASE = 0;
        public static final int LIMIT = 8;
        public static final int SELECTOR = 12;
        public static final int TYPE = 14;
        public static final int PRESENT = 15;
        public static final int DPL = 16;
        public static final int DB = 17;
        public static final int S = 18;
        public static final int L = 19;
        public static final int G = 20;
        public static final int AVL = 21;
        public static final int UNUSABLE = 22;

        private SegmentLayout() {}
    }

    /** struct kvm_dtable. */
    public static final class Dtable {
        public static final int SIZE = 16;
        public static final int BASE = 0;
        public static final int LIMIT = 8;

        private Dtable() {}
    }

    /** struct kvm_sregs. */
    public static final class Sregs {
        public static final int SIZE = 312;
        public static final int CS = 0;
        public static final int DS = 24;
        public static final int ES = 48;
        public static final int FS = 72;
        public static final int GS = 96;
        public static final int SS = 120;
        public static final int TR = 144;
        public static final int LDT = 168;
        public static final int GDT = 192;
        public static final int IDT = 208;
        public static final int CR0 = 224;
        public static final int CR2 = 232;
        public static final int CR3 = 240;
        public static final int CR4 = 248;
        public static final int CR8 = 256;
        public static final int EFER = 264;
        public static final int APIC_BASE = 272;
        public static final int INTERRUPT_BITMAP = 280;

        private Sregs() {}
    }

    /**
     * struct kvm_sregs2 (Linux 5.14, KVM_CAP_SREGS2): {@link Sregs} up to {@code apic_base}, then flags and the four
     * PAE page-directory pointers in place of the interrupt bitmap (a pending interrupt is in {@link VcpuEvents}).
     */
    public static final class Sregs2 {
        public static final int SIZE = 320;
        public static final int CR0 = 224;
        public static final int CR3 = 240;
        public static final int CR4 = 248;
        public static final int EFER = 264;
        public static final int APIC_BASE = 272;
        public static final int FLAGS = 280;
        public static final int PDPTRS = 288;

        private Sregs2() {}
    }

    /**
     * struct kvm_nested_state (KVM_CAP_NESTED_STATE): a 128-byte header (flags, format, the size of the whole
     * state, a VMX or SVM header) followed by {@code size - 128} bytes of format-specific data (VMCS12 or VMCB12).
     */
    public static final class NestedState {
        public static final int SIZE = 128;
        public static final int FLAGS = 0;
        public static final int FORMAT = 2;
        public static final int SIZE_FIELD = 4;
        public static final int HDR = 8;
        public static final int DATA = 128;

        private NestedState() {}
    }

    /** struct kvm_fpu. */
    public static final class Fpu {
        public static final int SIZE = 416;
        public static final int FPR = 0;
        public static final int FCW = 128;
        public static final int FSW = 130;
        public static final int FTWX = 132;
        public static final int LAST_OPCODE = 134;
        public static final int LAST_IP = 136;
        public static final int LAST_DP = 144;
        public static final int XMM = 152;
        public static final int MXCSR = 408;

        private Fpu() {}
    }

    /** struct kvm_msrs followed by struct kvm_msr_entry[nmsrs]. */
    public static final class Msrs {
        public static final int SIZE = 8;
        public static final int NMSRS = 0;
        public static final int ENTRIES = 8;
        public static final int ENTRY_SIZE = 16;
        public static final int ENTRY_INDEX = 0;
        public static final int ENTRY_DATA = 8;

        private Msrs() {}
    }

    /** struct kvm_msr_list followed by __u32 indices[nmsrs]. */
    public static final class MsrList {
        public static final int SIZE = 4;
        public static final int NMSRS = 0;
        public static final int INDICES = 4;

        private MsrList() {}
    }

    /** struct kvm_cpuid2 followed by struct kvm_cpuid_entry2[nent]. */
    public static final class Cpuid2 {
        public static final int SIZE = 8;
        public static final int NENT = 0;
        public static final int ENTRIES = 8;
        public static final int ENTRY_SIZE = 40;
        public static final int ENTRY_FUNCTION = 0;
        public static final int ENTRY_INDEX = 4;
        public static final int ENTRY_FLAGS = 8;
        public static final int ENTRY_EAX = 12;
        public static final int ENTRY_EBX = 16;
        public static final int ENTRY_ECX = 20;
        public static final int ENTRY_EDX = 24;

        private Cpuid2() {}
    }

    /** struct kvm_userspace_memory_region. */
    public static final class UserspaceMemoryRegion {
        public static final int SIZE = 32;
        public static final int SLOT = 0;
        public static final int FLAGS = 4;
        public static final int GUEST_PHYS_ADDR = 8;
        public static final int MEMORY_SIZE = 16;
        public static final int USERSPACE_ADDR = 24;

        private UserspaceMemoryRegion() {}
    }

    /** struct kvm_irq_level. */
    public static final class IrqLevel {
        public static final int SIZE = 8;
        public static final int IRQ = 0;
        public static final int LEVEL = 4;

        private IrqLevel() {}
    }

    /** struct kvm_enable_cap. */
    public static final class EnableCap {
        public static final int SIZE = 104;
        public static final int CAP = 0;
        public static final int FLAGS = 4;
        public static final int ARGS = 8;

        private EnableCap() {}
    }

    /** struct kvm_msi. */
    public static final class Msi {
        public static final int SIZE = 32;
        public static final int ADDRESS_LO = 0;
        public static final int ADDRESS_HI = 4;
        public static final int DATA = 8;
        public static final int FLAGS = 12;

        private Msi() {}
    }

    /** struct kvm_ioeventfd: a guest address whose writes signal an eventfd (KVM_IOEVENTFD). */
    public static final class Ioeventfd {
        public static final int SIZE = 64;
        public static final int DATAMATCH = 0;
        public static final int ADDR = 8;
        public static final int LEN = 16;
        public static final int FD = 20;
        public static final int FLAGS = 24;

        private Ioeventfd() {}
    }

    /** struct kvm_irqfd: an eventfd whose signal raises a GSI (KVM_IRQFD). */
    public static final class Irqfd {
        public static final int SIZE = 32;
        public static final int FD = 0;
        public static final int GSI = 4;
        public static final int FLAGS = 8;
        public static final int RESAMPLEFD = 12;

        private Irqfd() {}
    }

    /** struct kvm_irq_routing (header; the entries follow). */
    public static final class IrqRouting {
        public static final int SIZE = 8;
        public static final int NR = 0;
        public static final int FLAGS = 4;
        public static final int ENTRIES = 8;

        private IrqRouting() {}
    }

    /** struct kvm_irq_routing_entry with its MSI member. */
    public static final class IrqRoutingEntry {
        public static final int SIZE = 48;
        public static final int GSI = 0;
        public static final int TYPE = 4;
        public static final int FLAGS = 8;
        public static final int MSI_ADDRESS_LO = 16;
        public static final int MSI_ADDRESS_HI = 20;
        public static final int MSI_DATA = 24;

        private IrqRoutingEntry() {}
    }

    /** struct kvm_pit_config. */
    public static final class PitConfig {
        public static final int SIZE = 64;
        public static final int FLAGS = 0;

        private PitConfig() {}
    }

    /** struct kvm_lapic_state. */
    public static final class LapicState {
        public static final int SIZE = 1024;
        public static final int REGS = 0;

        private LapicState() {}
    }

    /** struct kvm_dirty_log. */
    public static final class DirtyLog {
        public static final int SIZE = 16;
        public static final int SLOT = 0;
        public static final int DIRTY_BITMAP = 8;

        private DirtyLog() {}
    }

    /** struct kvm_guest_debug (x86: arch = struct kvm_guest_debug_arch { __u64 debugreg[8]; }). */
    public static final class GuestDebug {
        public static final int SIZE = 72;
        public static final int CONTROL = 0;
        public static final int ARCH_DEBUGREG = 8;

        private GuestDebug() {}
    }

    /** struct kvm_translation (KVM_TRANSLATE). */
    public static final class Translation {
        public static final int SIZE = 24;
        public static final int LINEAR_ADDRESS = 0;
        public static final int PHYSICAL_ADDRESS = 8;
        public static final int VALID = 16;
        public static final int WRITEABLE = 17;
        public static final int USERMODE = 18;

        private Translation() {}
    }

    /** struct kvm_vcpu_events (x86, {@code <asm/kvm.h>}). */
    public static final class VcpuEvents {
        public static final int SIZE = 64;
        public static final int EXCEPTION_INJECTED = 0;
        public static final int EXCEPTION_NR = 1;
        public static final int EXCEPTION_HAS_ERROR_CODE = 2;
        public static final int EXCEPTION_PENDING = 3;
        public static final int EXCEPTION_ERROR_CODE = 4;
        public static final int INTERRUPT_SHADOW = 11;
        public static final int FLAGS = 20;
        public static final int EXCEPTION_HAS_PAYLOAD = 55;
        public static final int EXCEPTION_PAYLOAD = 56;

        private VcpuEvents() {}
    }

    /** struct kvm_mp_state. */
    public static final class MpState {
        public static final int SIZE = 4;
        public static final int MP_STATE = 0;

        private MpState() {}
    }

    /** struct kvm_signal_mask followed by __u8 sigset[len]. */
    public static final class SignalMask {
        public static final int SIZE = 4;
        public static final int LEN = 0;
        public static final int SIGSET = 4;

        private SignalMask() {}
    }

    /** struct kvm_stats_header. */
    public static final class StatsHeader {
        public static final int SIZE = 24;
        public static final int FLAGS = 0;
        public static final int NAME_SIZE = 4;
        public static final int NUM_DESC = 8;
        public static final int ID_OFFSET = 12;
        public static final int DESC_OFFSET = 16;
        public static final int DATA_OFFSET = 20;

        private StatsHeader() {}
    }

    /** struct kvm_stats_desc, followed by char name[name_size]. */
    public static final class StatsDesc {
        public static final int SIZE = 16;
        public static final int FLAGS = 0;
        public static final int EXPONENT = 4;
        public static final int SIZE_FIELD = 6;
        public static final int OFFSET = 8;
        public static final int BUCKET_SIZE = 12;
        public static final int NAME = 16;

        private StatsDesc() {}
    }

    /** struct kvm_xsave (x86, {@code <asm/kvm.h>}): 4096 bytes, or KVM_CAP_XSAVE2's size with KVM_GET_XSAVE2. */
    public static final class Xsave {
        public static final int SIZE = 4096;
        public static final int REGION = 0;

        private Xsave() {}
    }

    /** struct kvm_xcrs with struct kvm_xcr xcrs[KVM_MAX_XCRS] (x86). */
    public static final class Xcrs {
        public static final int SIZE = 392;
        public static final int NR_XCRS = 0;
        public static final int FLAGS = 4;
        public static final int XCRS = 8;
        public static final int XCR_SIZE = 16;
        public static final int XCR_XCR = 0;
        public static final int XCR_VALUE = 8;

        private Xcrs() {}
    }

    /** struct kvm_debugregs (x86). */
    public static final class Debugregs {
        public static final int SIZE = 128;
        public static final int DB = 0;
        public static final int DR6 = 32;
        public static final int DR7 = 40;
        public static final int FLAGS = 48;

        private Debugregs() {}
    }

    /** struct kvm_irqchip: a chip id and a 512-byte union of the PIC or IOAPIC state. */
    public static final class Irqchip {
        public static final int SIZE = 520;
        public static final int CHIP_ID = 0;
        public static final int CHIP = 8;
        public static final int CHIP_SIZE = 512;

        private Irqchip() {}
    }

    /** struct kvm_pic_state (x86). */
    public static final class PicState {
        public static final int SIZE = 16;
        public static final int IRR = 1;
        public static final int IMR = 2;
        public static final int IRQ_BASE = 5;

        private PicState() {}
    }

    /** struct kvm_ioapic_state (x86) with its redirection table of KVM_IOAPIC_NUM_PINS 64-bit entries. */
    public static final class IoapicState {
        public static final int SIZE = 216;
        public static final int BASE_ADDRESS = 0;
        public static final int IOREGSEL = 8;
        public static final int ID = 12;
        public static final int IRR = 16;
        public static final int REDIRTBL = 24;

        private IoapicState() {}
    }

    /** struct kvm_pit_state2 (x86): three struct kvm_pit_channel_state and flags. */
    public static final class PitState2 {
        public static final int SIZE = 112;
        public static final int CHANNELS = 0;
        public static final int FLAGS = 72;

        private PitState2() {}
    }

    /** struct kvm_pit_channel_state (x86). */
    public static final class PitChannelState {
        public static final int SIZE = 24;
        public static final int COUNT = 0;
        public static final int LATCHED_COUNT = 4;
        public static final int RW_MODE = 12;
        public static final int MODE = 13;
        public static final int BCD = 14;
        public static final int GATE = 15;
        public static final int COUNT_LOAD_TIME = 16;

        private PitChannelState() {}
    }

    /** struct kvm_clock_data (KVM_GET_CLOCK, KVM_SET_CLOCK). */
    public static final class ClockData {
        public static final int SIZE = 48;
        public static final int CLOCK = 0;
        public static final int FLAGS = 8;
        public static final int REALTIME = 16;
        public static final int HOST_TSC = 24;

        private ClockData() {}
    }
}
