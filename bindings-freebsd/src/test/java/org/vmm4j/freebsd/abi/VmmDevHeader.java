package org.vmm4j.freebsd.abi;

import static org.vmm4j.freebsd.abi.CLayout.CHAR;
import static org.vmm4j.freebsd.abi.CLayout.ENUM;
import static org.vmm4j.freebsd.abi.CLayout.INT;
import static org.vmm4j.freebsd.abi.CLayout.INT64;
import static org.vmm4j.freebsd.abi.CLayout.POINTER;
import static org.vmm4j.freebsd.abi.CLayout.SIZE_T;
import static org.vmm4j.freebsd.abi.CLayout.UINT16;
import static org.vmm4j.freebsd.abi.CLayout.UINT32;
import static org.vmm4j.freebsd.abi.CLayout.UINT64;
import static org.vmm4j.freebsd.abi.CLayout.UINT8;
import static org.vmm4j.freebsd.abi.CLayout.array;
import static org.vmm4j.freebsd.abi.CLayout.member;
import static org.vmm4j.freebsd.abi.CLayout.opaque;
import static org.vmm4j.freebsd.abi.CLayout.struct;
import static org.vmm4j.freebsd.abi.CLayout.union;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * TEST-ONLY: the vmm(4) interface of FreeBSD 14 on amd64 as the test doubles read it, derived here
 * from the member lists and enum orders of {@code sys/amd64/include/vmm_dev.h@e17eca32} and
 * {@code vmm.h@4d846d26} as shared/abi/freebsd-vmm.md quotes them, with {@link CLayout} doing the
 * layout. It reads nothing from {@link VmmDev} or {@link Vmm}: a double that decoded the backend's
 * arguments with the backend's own offsets would agree with any mistake in them. {@code
 * VmmDevHeaderTest} checks these derivations against gcc.
 */
public final class VmmDevHeader {
    private VmmDevHeader() {}

    // ---- struct layouts (F.3, F.4) ----

    /** struct vm_guest_paging { uint64_t cr3; int cpl; enum vm_cpu_mode cpu_mode; enum vm_paging_mode paging_mode; } */
    public static final CLayout VM_GUEST_PAGING = struct(
            "vm_guest_paging",
            member("cr3", UINT64),
            member("cpl", INT),
            member("cpu_mode", ENUM),
            member("paging_mode", ENUM));
    /** struct seg_desc { uint64_t base; uint32_t limit; uint32_t access; } */
    public static final CLayout SEG_DESC =
            struct("seg_desc", member("base", UINT64), member("limit", UINT32), member("access", UINT32));
    /** struct vm_run { int cpuid; cpuset_t *cpuset; size_t cpusetsize; struct vm_exit *vm_exit; } */
    public static final CLayout VM_RUN = struct(
            "vm_run",
            member("cpuid", INT),
            member("cpuset", POINTER),
            member("cpusetsize", SIZE_T),
            member("vm_exit", POINTER));
    /** struct vm_capability { int cpuid; enum vm_cap_type captype; int capval; int allcpus; } */
    public static final CLayout VM_CAPABILITY = struct(
            "vm_capability",
            member("cpuid", INT),
            member("captype", ENUM),
            member("capval", INT),
            member("allcpus", INT));
    /** struct vm_register { int cpuid; int regnum; uint64_t regval; } */
    public static final CLayout VM_REGISTER =
            struct("vm_register", member("cpuid", INT), member("regnum", INT), member("regval", UINT64));
    /** struct vm_seg_desc { int cpuid; int regnum; struct seg_desc desc; } */
    public static final CLayout VM_SEG_DESC =
            struct("vm_seg_desc", member("cpuid", INT), member("regnum", INT), member("desc", SEG_DESC));
    /** struct vm_register_set { int cpuid; unsigned int count; const int *regnums; uint64_t *regvals; } */
    public static final CLayout VM_REGISTER_SET = struct(
            "vm_register_set",
            member("cpuid", INT),
            member("count", UINT32),
            member("regnums", POINTER),
            member("regvals", POINTER));
    /** struct vm_activate_cpu { int vcpuid; } (also the argument of VM_SUSPEND_CPU and VM_RESUME_CPU) */
    public static final CLayout VM_ACTIVATE_CPU = struct("vm_activate_cpu", member("vcpuid", INT));
    /** struct vm_cpu_topology { uint16_t sockets, cores, threads, maxcpus; } */
    public static final CLayout VM_CPU_TOPOLOGY = struct(
            "vm_cpu_topology",
            member("sockets", UINT16),
            member("cores", UINT16),
            member("threads", UINT16),
            member("maxcpus", UINT16));
    /** struct vm_suspend { enum vm_suspend_how how; } */
    public static final CLayout VM_SUSPEND = struct("vm_suspend", member("how", ENUM));
    /** struct vm_stat_desc { int index; char desc[128]; } */
    public static final CLayout VM_STAT_DESC = struct("vm_stat_desc", member("index", INT), array("desc", CHAR, 128));
    /** MAX_VM_STATS of vmm_dev.h. */
    public static final int MAX_VM_STATS = 64;
    /** struct timeval { time_t tv_sec; suseconds_t tv_usec; } (both 64-bit on amd64) */
    public static final CLayout TIMEVAL = struct("timeval", member("tv_sec", INT64), member("tv_usec", INT64));
    /** struct vm_stats { int cpuid; int index; int num_entries; struct timeval tv; uint64_t statbuf[MAX_VM_STATS]; } */
    public static final CLayout VM_STATS = struct(
            "vm_stats",
            member("cpuid", INT),
            member("index", INT),
            member("num_entries", INT),
            member("tv", TIMEVAL),
            array("statbuf", UINT64, MAX_VM_STATS));
    /** struct vm_gla2gpa { int vcpuid; int prot; uint64_t gla; struct vm_guest_paging paging; int fault; uint64_t gpa; } */
    public static final CLayout VM_GLA2GPA = struct(
            "vm_gla2gpa",
            member("vcpuid", INT),
            member("prot", INT),
            member("gla", UINT64),
            member("paging", VM_GUEST_PAGING),
            member("fault", INT),
            member("gpa", UINT64));
    /** struct vm_munmap { vm_paddr_t gpa; size_t len; } */
    public static final CLayout VM_MUNMAP = struct("vm_munmap", member("gpa", UINT64), member("len", SIZE_T));

    /** struct vm_inout { uint16_t bytes:3, in:1, string:1, rep:1; uint16_t port; uint32_t eax; }: the bits as one unit. */
    public static final CLayout VM_INOUT =
            struct("vm_inout", member("bits", UINT16), member("port", UINT16), member("eax", UINT32));
    /** bytes:3, in:1, string:1, rep:1 from the least significant bit, in declaration order (System V). */
    public static final int INOUT_BYTES_SHIFT = 0;

    public static final int INOUT_IN_SHIFT = 3;
    public static final int INOUT_STRING_SHIFT = 4;
    public static final int INOUT_REP_SHIFT = 5;
    /** struct vie: vmm.h pins it with _Static_assert(sizeof(struct vie) == 64); its int64_t members align it to 8. */
    public static final CLayout VIE = opaque("vie", 64, 8);
    /** struct vm_exit (F.4), every member of its union. */
    public static final CLayout VM_EXIT = struct(
            "vm_exit",
            member("exitcode", ENUM),
            member("inst_length", INT),
            member("rip", UINT64),
            member(
                    "u",
                    union(
                            "vm_exit.u",
                            member("inout", VM_INOUT),
                            member(
                                    "inout_str",
                                    struct(
                                            "vm_inout_str",
                                            member("inout", VM_INOUT),
                                            member("paging", VM_GUEST_PAGING),
                                            member("rflags", UINT64),
                                            member("cr0", UINT64),
                                            member("index", UINT64),
                                            member("count", UINT64),
                                            member("addrsize", INT),
                                            member("seg_name", ENUM),
                                            member("seg_desc", SEG_DESC))),
                            member("paging", struct("paging", member("gpa", UINT64), member("fault_type", INT))),
                            member(
                                    "inst_emul",
                                    struct(
                                            "inst_emul",
                                            member("gpa", UINT64),
                                            member("gla", UINT64),
                                            member("cs_base", UINT64),
                                            member("cs_d", INT),
                                            member("paging", VM_GUEST_PAGING),
                                            member("vie", VIE))),
                            member(
                                    "vmx",
                                    struct(
                                            "vmx",
                                            member("status", INT),
                                            member("exit_reason", UINT32),
                                            member("exit_qualification", UINT64),
                                            member("inst_type", INT),
                                            member("inst_error", INT))),
                            member(
                                    "svm",
                                    struct(
                                            "svm",
                                            member("exitcode", UINT64),
                                            member("exitinfo1", UINT64),
                                            member("exitinfo2", UINT64))),
                            member("bpt", struct("bpt", member("inst_length", INT))),
                            member("msr", struct("msr", member("code", UINT32), member("wval", UINT64))),
                            member("spinup_ap", struct("spinup_ap", member("vcpu", INT), member("rip", UINT64))),
                            member("hlt", struct("hlt", member("rflags", UINT64), member("intr_status", UINT64))),
                            member("ioapic_eoi", struct("ioapic_eoi", member("vector", INT))),
                            member("suspended", struct("suspended", member("how", ENUM))),
                            member("ipi", struct("ipi", member("mode", UINT32), member("vector", UINT8))),
                            member(
                                    "task_switch",
                                    struct(
                                            "vm_task_switch",
                                            member("tsssel", UINT16),
                                            member("ext", INT),
                                            member("errcode", UINT32),
                                            member("errcode_valid", INT),
                                            member("reason", ENUM),
                                            member("paging", VM_GUEST_PAGING))))));

    // ---- ioctl requests (F.2): _IOC(dir, 'v', nr, sizeof(arg)) of sys/sys/ioccom.h ----

    private static final long IOC_IN = 0x8000_0000L;
    private static final long IOC_OUT = 0x4000_0000L;
    private static final long IOCPARM_MASK = (1 << 13) - 1;

    private static long ioc(long inout, int nr, CLayout arg) {
        return inout | ((arg.size() & IOCPARM_MASK) << 16) | ('v' << 8) | nr;
    }

    private static long iow(int nr, CLayout arg) {
        return ioc(IOC_IN, nr, arg);
    }

    private static long iowr(int nr, CLayout arg) {
        return ioc(IOC_IN | IOC_OUT, nr, arg);
    }

    private static long ior(int nr, CLayout arg) {
        return ioc(IOC_OUT, nr, arg);
    }

    public static final long REQ_VM_RUN = iow(1, VM_RUN);
    public static final long REQ_VM_SET_CAPABILITY = iow(2, VM_CAPABILITY);
    public static final long REQ_VM_GET_CAPABILITY = iowr(3, VM_CAPABILITY);
    public static final long REQ_VM_SUSPEND = iow(4, VM_SUSPEND);
    public static final long REQ_VM_GLA2GPA_NOFAULT = iowr(18, VM_GLA2GPA);
    public static final long REQ_VM_MUNMAP_MEMSEG = iow(19, VM_MUNMAP);
    public static final long REQ_VM_SET_REGISTER = iow(20, VM_REGISTER);
    public static final long REQ_VM_GET_REGISTER = iowr(21, VM_REGISTER);
    public static final long REQ_VM_SET_SEGMENT_DESCRIPTOR = iow(22, VM_SEG_DESC);
    public static final long REQ_VM_GET_SEGMENT_DESCRIPTOR = iowr(23, VM_SEG_DESC);
    public static final long REQ_VM_SET_REGISTER_SET = iow(24, VM_REGISTER_SET);
    public static final long REQ_VM_GET_REGISTER_SET = iowr(25, VM_REGISTER_SET);
    public static final long REQ_VM_STATS = iowr(50, VM_STATS);
    public static final long REQ_VM_STAT_DESC = iowr(51, VM_STAT_DESC);
    public static final long REQ_VM_GET_TOPOLOGY = ior(64, VM_CPU_TOPOLOGY);
    public static final long REQ_VM_ACTIVATE_CPU = iow(90, VM_ACTIVATE_CPU);
    public static final long REQ_VM_SUSPEND_CPU = iow(92, VM_ACTIVATE_CPU);
    public static final long REQ_VM_RESUME_CPU = iow(93, VM_ACTIVATE_CPU);

    // ---- enums (F.5), in header order, values sequential from 0 ----

    /** enum vm_exitcode, without the VM_EXITCODE_ prefix. */
    public static final List<String> EXITCODES = List.of(
            "INOUT",
            "VMX",
            "BOGUS",
            "RDMSR",
            "WRMSR",
            "HLT",
            "MTRAP",
            "PAUSE",
            "PAGING",
            "INST_EMUL",
            "SPINUP_AP",
            "DEPRECATED1",
            "RENDEZVOUS",
            "IOAPIC_EOI",
            "SUSPENDED",
            "INOUT_STR",
            "TASK_SWITCH",
            "MONITOR",
            "MWAIT",
            "SVM",
            "REQIDLE",
            "DEBUG",
            "VMINSN",
            "BPT",
            "IPI",
            "MAX");
    /** enum vm_reg_name, without the VM_REG_GUEST_ prefix; the last is VM_REG_LAST. */
    public static final List<String> REGISTERS = List.of(
            "RAX",
            "RBX",
            "RCX",
            "RDX",
            "RSI",
            "RDI",
            "RBP",
            "R8",
            "R9",
            "R10",
            "R11",
            "R12",
            "R13",
            "R14",
            "R15",
            "CR0",
            "CR3",
            "CR4",
            "DR7",
            "RSP",
            "RIP",
            "RFLAGS",
            "ES",
            "CS",
            "SS",
            "DS",
            "FS",
            "GS",
            "LDTR",
            "TR",
            "IDTR",
            "GDTR",
            "EFER",
            "CR2",
            "PDPTE0",
            "PDPTE1",
            "PDPTE2",
            "PDPTE3",
            "INTR_SHADOW",
            "DR0",
            "DR1",
            "DR2",
            "DR3",
            "DR6",
            "ENTRY_INST_LENGTH",
            "LAST");
    /** enum vm_cap_type, without the VM_CAP_ prefix; the last is VM_CAP_MAX. */
    public static final List<String> CAPABILITIES = List.of(
            "HALT_EXIT",
            "MTRAP_EXIT",
            "PAUSE_EXIT",
            "UNRESTRICTED_GUEST",
            "ENABLE_INVPCID",
            "BPT_EXIT",
            "RDPID",
            "RDTSCP",
            "IPI_EXIT",
            "MASK_HWINTR",
            "MAX");
    /** enum vm_suspend_how, without the VM_SUSPEND_ prefix. */
    public static final List<String> SUSPEND_HOWS = List.of("NONE", "RESET", "POWEROFF", "HALT", "TRIPLEFAULT", "LAST");
    /** enum vm_cpu_mode, without the CPU_MODE_ prefix. */
    public static final List<String> CPU_MODES = List.of("REAL", "PROTECTED", "COMPATIBILITY", "64BIT");
    /** enum vm_paging_mode, without the PAGING_MODE_ prefix. */
    public static final List<String> PAGING_MODES = List.of("FLAT", "32", "PAE", "64", "64_LA57");
    /** libvmmapi's anonymous memory segment enum. */
    public static final List<String> MEMSEGS = List.of("VM_SYSMEM", "VM_BOOTROM", "VM_FRAMEBUFFER", "VM_PCIROM");

    public static int exitcode(String name) {
        return indexOf(EXITCODES, name);
    }

    public static int register(String name) {
        return indexOf(REGISTERS, name);
    }

    public static int capability(String name) {
        return indexOf(CAPABILITIES, name);
    }

    public static int suspendHow(String name) {
        return indexOf(SUSPEND_HOWS, name);
    }

    public static int cpuMode(String name) {
        return indexOf(CPU_MODES, name);
    }

    public static int pagingMode(String name) {
        return indexOf(PAGING_MODES, name);
    }

    public static int memseg(String name) {
        return indexOf(MEMSEGS, name);
    }

    private static int indexOf(List<String> members, String name) {
        int i = members.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException(name + " is not one of " + members);
        }
        return i;
    }

    /**
     * Every value derived here under the name the C program {@code vmm_abi.c} prints for it, so that
     * {@code VmmDevHeaderTest} can hold the derivations against gcc.
     */
    public static Map<String, Long> derived() {
        Map<String, Long> d = new LinkedHashMap<>();
        sizeAndOffsets(d, "VM_GUEST_PAGING", VM_GUEST_PAGING, "cr3", "cpl", "cpu_mode", "paging_mode");
        sizeAndOffsets(d, "SEG_DESC", SEG_DESC, "base", "limit", "access");
        sizeAndOffsets(d, "VM_RUN", VM_RUN, "cpuid", "cpuset", "cpusetsize", "vm_exit");
        sizeAndOffsets(d, "VM_CAPABILITY", VM_CAPABILITY, "cpuid", "captype", "capval", "allcpus");
        sizeAndOffsets(d, "VM_REGISTER", VM_REGISTER, "cpuid", "regnum", "regval");
        sizeAndOffsets(d, "VM_SEG_DESC", VM_SEG_DESC, "cpuid", "regnum", "desc");
        sizeAndOffsets(d, "VM_REGISTER_SET", VM_REGISTER_SET, "cpuid", "count", "regnums", "regvals");
        sizeAndOffsets(d, "VM_ACTIVATE_CPU", VM_ACTIVATE_CPU, "vcpuid");
        sizeAndOffsets(d, "VM_CPU_TOPOLOGY", VM_CPU_TOPOLOGY, "sockets", "cores", "threads", "maxcpus");
        sizeAndOffsets(d, "VM_SUSPEND", VM_SUSPEND, "how");
        sizeAndOffsets(d, "VM_STAT_DESC", VM_STAT_DESC, "index", "desc");
        sizeAndOffsets(d, "VM_STATS", VM_STATS, "cpuid", "index", "num_entries", "tv", "statbuf");
        sizeAndOffsets(d, "VM_GLA2GPA", VM_GLA2GPA, "vcpuid", "prot", "gla", "paging", "fault", "gpa");
        sizeAndOffsets(d, "VM_MUNMAP", VM_MUNMAP, "gpa", "len");
        d.put("VIE_SIZE", VIE.size());
        sizeAndOffsets(d, "VM_EXIT", VM_EXIT, "exitcode", "inst_length", "rip", "u");
        d.put("VM_EXIT_INOUT_BITS", VM_EXIT.offset("u.inout.bits"));
        for (String path : List.of(
                "inout.port",
                "inout.eax",
                "inout_str.paging",
                "inout_str.rflags",
                "inout_str.cr0",
                "inout_str.index",
                "inout_str.count",
                "inout_str.addrsize",
                "inout_str.seg_name",
                "inout_str.seg_desc",
                "paging.gpa",
                "paging.fault_type",
                "inst_emul.gpa",
                "inst_emul.gla",
                "inst_emul.cs_base",
                "inst_emul.cs_d",
                "inst_emul.paging",
                "inst_emul.vie",
                "vmx.status",
                "vmx.exit_reason",
                "vmx.exit_qualification",
                "vmx.inst_type",
                "vmx.inst_error",
                "svm.exitcode",
                "svm.exitinfo1",
                "svm.exitinfo2",
                "bpt.inst_length",
                "msr.code",
                "msr.wval",
                "spinup_ap.vcpu",
                "spinup_ap.rip",
                "hlt.rflags",
                "hlt.intr_status",
                "ioapic_eoi.vector",
                "suspended.how",
                "ipi.mode",
                "ipi.vector")) {
            d.put("VM_EXIT_" + path.replace('.', '_').toUpperCase(Locale.ROOT), VM_EXIT.offset("u." + path));
        }
        d.put("VM_INOUT_BYTES_SHIFT", (long) INOUT_BYTES_SHIFT);
        d.put("VM_INOUT_IN_SHIFT", (long) INOUT_IN_SHIFT);
        d.put("VM_INOUT_STRING_SHIFT", (long) INOUT_STRING_SHIFT);
        d.put("VM_INOUT_REP_SHIFT", (long) INOUT_REP_SHIFT);
        d.put("MAX_VM_STATS", (long) MAX_VM_STATS);
        d.put("VM_RUN", REQ_VM_RUN);
        d.put("VM_SET_CAPABILITY", REQ_VM_SET_CAPABILITY);
        d.put("VM_GET_CAPABILITY", REQ_VM_GET_CAPABILITY);
        d.put("VM_SUSPEND", REQ_VM_SUSPEND);
        d.put("VM_GLA2GPA_NOFAULT", REQ_VM_GLA2GPA_NOFAULT);
        d.put("VM_MUNMAP_MEMSEG", REQ_VM_MUNMAP_MEMSEG);
        d.put("VM_SET_REGISTER", REQ_VM_SET_REGISTER);
        d.put("VM_GET_REGISTER", REQ_VM_GET_REGISTER);
        d.put("VM_SET_SEGMENT_DESCRIPTOR", REQ_VM_SET_SEGMENT_DESCRIPTOR);
        d.put("VM_GET_SEGMENT_DESCRIPTOR", REQ_VM_GET_SEGMENT_DESCRIPTOR);
        d.put("VM_SET_REGISTER_SET", REQ_VM_SET_REGISTER_SET);
        d.put("VM_GET_REGISTER_SET", REQ_VM_GET_REGISTER_SET);
        d.put("VM_STATS", REQ_VM_STATS);
        d.put("VM_STAT_DESC", REQ_VM_STAT_DESC);
        d.put("VM_GET_TOPOLOGY", REQ_VM_GET_TOPOLOGY);
        d.put("VM_ACTIVATE_CPU", REQ_VM_ACTIVATE_CPU);
        d.put("VM_SUSPEND_CPU", REQ_VM_SUSPEND_CPU);
        d.put("VM_RESUME_CPU", REQ_VM_RESUME_CPU);
        enumValues(d, "VM_EXITCODE_", EXITCODES);
        enumValues(d, "VM_REG_GUEST_", REGISTERS.subList(0, REGISTERS.size() - 1));
        d.put("VM_REG_LAST", (long) register("LAST"));
        enumValues(d, "VM_CAP_", CAPABILITIES);
        enumValues(d, "VM_SUSPEND_", SUSPEND_HOWS);
        enumValues(d, "CPU_MODE_", CPU_MODES);
        enumValues(d, "PAGING_MODE_", PAGING_MODES);
        enumValues(d, "", MEMSEGS);
        return d;
    }

    private static void sizeAndOffsets(Map<String, Long> d, String prefix, CLayout layout, String... members) {
        d.put(prefix + "_SIZE", layout.size());
        for (String m : members) {
            d.put(prefix + "_" + m.toUpperCase(Locale.ROOT), layout.offset(m));
        }
    }

    private static void enumValues(Map<String, Long> d, String prefix, List<String> members) {
        for (int i = 0; i < members.size(); i++) {
            d.put(prefix + members.get(i), (long) i);
        }
    }
}
