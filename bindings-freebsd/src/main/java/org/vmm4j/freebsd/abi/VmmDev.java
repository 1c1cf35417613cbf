package org.vmm4j.freebsd.abi;

import static org.vmm4j.internal.nat.BsdIoctl.io;
import static org.vmm4j.internal.nat.BsdIoctl.ior;
import static org.vmm4j.internal.nat.BsdIoctl.iow;
import static org.vmm4j.internal.nat.BsdIoctl.iowr;

/**
 * Struct layouts and ioctl requests of FreeBSD 14.x {@code sys/amd64/include/vmm_dev.h} and the
 * {@code struct vm_exit} of {@code vmm.h}, amd64 LP64. Offsets are named {@code STRUCT_FIELD}, sizes
 * {@code STRUCT_SIZE}; union members of {@code vm_exit} are offsets from the start of
 * {@code vm_exit}. Bit-fields are given as byte offset, shift and width. Every value here is checked
 * by {@code VmmDevLayoutTest} against a C program compiled by the tests.
 */
public final class VmmDev {
    private VmmDev() {}

    public static final char GROUP = 'v';

    public static final int MAX_VM_STATS = 64;
    public static final int VM_STAT_DESC_LEN = 128;
    /** {@code which} of {@code struct vm_cpuset}. */
    public static final int VM_ACTIVE_CPUS = 0;

    public static final int VM_SUSPENDED_CPUS = 1;
    public static final int VM_DEBUG_CPUS = 2;
    public static final int VM_MEMMAP_F_WIRED = 0x01;
    public static final int VM_MEMMAP_F_IOMMU = 0x02;
    /** Size of the kernel's {@code cpuset_t} on amd64 14.x (CPU_MAXSIZE 1024 bits); our VM_RUN cpuset buffer. */
    public static final int CPUSET_SIZE = 128;

    // struct seg_desc { uint64_t base; uint32_t limit; uint32_t access; }
    public static final int SEG_DESC_SIZE = 16;
    public static final int SEG_DESC_BASE = 0;
    public static final int SEG_DESC_LIMIT = 8;
    public static final int SEG_DESC_ACCESS = 12;

    // struct vm_memmap
    public static final int VM_MEMMAP_SIZE = 40;
    public static final int VM_MEMMAP_GPA = 0;
    public static final int VM_MEMMAP_SEGID = 8;
    public static final int VM_MEMMAP_SEGOFF = 16;
    public static final int VM_MEMMAP_LEN = 24;
    public static final int VM_MEMMAP_PROT = 32;
    public static final int VM_MEMMAP_FLAGS = 36;

    // struct vm_munmap
    public static final int VM_MUNMAP_SIZE = 16;
    public static final int VM_MUNMAP_GPA = 0;
    public static final int VM_MUNMAP_LEN = 8;

    // struct vm_memseg (14.x; 15 appends NUMA fields)
    public static final int VM_MEMSEG_SIZE = 32;
    public static final int VM_MEMSEG_SEGID = 0;
    public static final int VM_MEMSEG_LEN = 8;
    public static final int VM_MEMSEG_NAME = 16;

    // struct vm_register
    public static final int VM_REGISTER_SIZE = 16;
    public static final int VM_REGISTER_CPUID = 0;
    public static final int VM_REGISTER_REGNUM = 4;
    public static final int VM_REGISTER_REGVAL = 8;

    // struct vm_seg_desc
    public static final int VM_SEG_DESC_SIZE = 24;
    public static final int VM_SEG_DESC_CPUID = 0;
    public static final int VM_SEG_DESC_REGNUM = 4;
    public static final int VM_SEG_DESC_DESC = 8;

    // struct vm_register_set
    public static final int VM_REGISTER_SET_SIZE = 24;
    public static final int VM_REGISTER_SET_CPUID = 0;
    public static final int VM_REGISTER_SET_COUNT = 4;
    public static final int VM_REGISTER_SET_REGNUMS = 8;
    public static final int VM_REGISTER_SET_REGVALS = 16;

    // struct vm_run (14.x form)
    public static final int VM_RUN_SIZE = 32;
    public static final int VM_RUN_CPUID = 0;
    public static final int VM_RUN_CPUSET = 8;
    public static final int VM_RUN_CPUSETSIZE = 16;
    public static final int VM_RUN_VM_EXIT = 24;

    // struct vm_capability
    public static final int VM_CAPABILITY_SIZE = 16;
    public static final int VM_CAPABILITY_CPUID = 0;
    public static final int VM_CAPABILITY_CAPTYPE = 4;
    public static final int VM_CAPABILITY_CAPVAL = 8;
    public static final int VM_CAPABILITY_ALLCPUS = 12;

    // struct vm_stats
    public static final int VM_STATS_SIZE = 544;
    public static final int VM_STATS_CPUID = 0;
    public static final int VM_STATS_INDEX = 4;
    public static final int VM_STATS_NUM_ENTRIES = 8;
    public static final int VM_STATS_TV = 16;
    public static final int VM_STATS_STATBUF = 32;

    // struct vm_stat_desc
    public static final int VM_STAT_DESC_SIZE = 132;
    public static final int VM_STAT_DESC_INDEX = 0;
    public static final int VM_STAT_DESC_DESC = 4;

    // struct vm_suspend, struct vm_activate_cpu
    public static final int VM_SUSPEND_SIZE = 4;
    public static final int VM_SUSPEND_HOW = 0;
    public static final int VM_ACTIVATE_CPU_SIZE = 4;
    public static final int VM_ACTIVATE_CPU_VCPUID = 0;

    // struct vm_cpuset
    public static final int VM_CPUSET_SIZE = 16;
    public static final int VM_CPUSET_WHICH = 0;
    public static final int VM_CPUSET_CPUSETSIZE = 4;
    public static final int VM_CPUSET_CPUS = 8;

    // struct vm_cpu_topology
    public static final int VM_CPU_TOPOLOGY_SIZE = 8;
    public static final int VM_CPU_TOPOLOGY_SOCKETS = 0;
    public static final int VM_CPU_TOPOLOGY_CORES = 2;
    public static final int VM_CPU_TOPOLOGY_THREADS = 4;
    public static final int VM_CPU_TOPOLOGY_MAXCPUS = 6;

    // struct vm_guest_paging
    public static final int VM_GUEST_PAGING_SIZE = 24;
    public static final int VM_GUEST_PAGING_CR3 = 0;
    public static final int VM_GUEST_PAGING_CPL = 8;
    public static final int VM_GUEST_PAGING_CPU_MODE = 12;
    public static final int VM_GUEST_PAGING_PAGING_MODE = 16;

    // struct vm_gla2gpa
    public static final int VM_GLA2GPA_SIZE = 56;
    public static final int VM_GLA2GPA_VCPUID = 0;
    public static final int VM_GLA2GPA_PROT = 4;
    public static final int VM_GLA2GPA_GLA = 8;
    public static final int VM_GLA2GPA_PAGING = 16;
    public static final int VM_GLA2GPA_FAULT = 40;
    public static final int VM_GLA2GPA_GPA = 48;

    // struct vie_op, struct vie (vmm.h pins these with _Static_assert)
    public static final int VIE_OP_SIZE = 4;
    public static final int VIE_SIZE = 64;
    public static final int VIE_INST = 0;
    public static final int VIE_INST_SIZE = 15;
    public static final int VIE_NUM_VALID = 15;
    public static final int VIE_NUM_PROCESSED = 16;
    public static final int VIE_DISP_BYTES = 22;
    public static final int VIE_IMM_BYTES = 23;
    public static final int VIE_SCALE = 24;
    public static final int VIE_BASE_REGISTER = 28;
    public static final int VIE_INDEX_REGISTER = 32;
    public static final int VIE_SEGMENT_REGISTER = 36;
    public static final int VIE_DISPLACEMENT = 40;
    public static final int VIE_IMMEDIATE = 48;
    public static final int VIE_DECODED = 56;
    public static final int VIE_OP_BYTE = 58;
    public static final int VIE_OP_TYPE = 59;
    public static final int VIE_OP_FLAGS = 60;
    // vie bit-fields: byte offset, shift, width
    public static final int VIE_OPSIZE_BYTE = 17, VIE_OPSIZE_SHIFT = 4, VIE_OPSIZE_WIDTH = 4;
    public static final int VIE_REX_W_BYTE = 18, VIE_REX_W_SHIFT = 0, VIE_REX_W_WIDTH = 1;
    public static final int VIE_REX_R_BYTE = 18, VIE_REX_R_SHIFT = 1, VIE_REX_R_WIDTH = 1;
    public static final int VIE_REX_PRESENT_BYTE = 18, VIE_REX_PRESENT_SHIFT = 4, VIE_REX_PRESENT_WIDTH = 1;
    public static final int VIE_MOD_BYTE = 19, VIE_MOD_SHIFT = 2, VIE_MOD_WIDTH = 2;
    public static final int VIE_REG_BYTE = 19, VIE_REG_SHIFT = 4, VIE_REG_WIDTH = 4;
    public static final int VIE_RM_BYTE = 20, VIE_RM_SHIFT = 0, VIE_RM_WIDTH = 4;

    // struct vm_exit and its union members (offsets from the start of vm_exit)
    public static final int VM_EXIT_SIZE = 136;
    public static final int VM_EXIT_EXITCODE = 0;
    public static final int VM_EXIT_INST_LENGTH = 4;
    public static final int VM_EXIT_RIP = 8;
    public static final int VM_EXIT_U = 16;
    /** struct vm_inout: the first uint16_t holds bytes:3, in:1, string:1, rep:1. */
    public static final int VM_EXIT_INOUT_BITS = 16;

    public static final int VM_INOUT_BYTES_SHIFT = 0, VM_INOUT_BYTES_WIDTH = 3;
    public static final int VM_INOUT_IN_SHIFT = 3, VM_INOUT_IN_WIDTH = 1;
    public static final int VM_INOUT_STRING_SHIFT = 4, VM_INOUT_STRING_WIDTH = 1;
    public static final int VM_INOUT_REP_SHIFT = 5, VM_INOUT_REP_WIDTH = 1;
    public static final int VM_EXIT_INOUT_PORT = 18;
    public static final int VM_EXIT_INOUT_EAX = 20;
    public static final int VM_EXIT_INOUT_STR_PAGING = 24;
    public static final int VM_EXIT_INOUT_STR_RFLAGS = 48;
    public static final int VM_EXIT_INOUT_STR_CR0 = 56;
    public static final int VM_EXIT_INOUT_STR_INDEX = 64;
    public static final int VM_EXIT_INOUT_STR_COUNT = 72;
    public static final int VM_EXIT_INOUT_STR_ADDRSIZE = 80;
    public static final int VM_EXIT_INOUT_STR_SEG_NAME = 84;
    public static final int VM_EXIT_INOUT_STR_SEG_DESC = 88;
    public static final int VM_EXIT_PAGING_GPA = 16;
    public static final int VM_EXIT_PAGING_FAULT_TYPE = 24;
    public static final int VM_EXIT_INST_EMUL_GPA = 16;
    public static final int VM_EXIT_INST_EMUL_GLA = 24;
    public static final int VM_EXIT_INST_EMUL_CS_BASE = 32;
    public static final int VM_EXIT_INST_EMUL_CS_D = 40;
    public static final int VM_EXIT_INST_EMUL_PAGING = 48;
    public static final int VM_EXIT_INST_EMUL_VIE = 72;
    public static final int VM_EXIT_VMX_STATUS = 16;
    public static final int VM_EXIT_VMX_EXIT_REASON = 20;
    public static final int VM_EXIT_VMX_EXIT_QUALIFICATION = 24;
    public static final int VM_EXIT_VMX_INST_TYPE = 32;
    public static final int VM_EXIT_VMX_INST_ERROR = 36;
    public static final int VM_EXIT_SVM_EXITCODE = 16;
    public static final int VM_EXIT_SVM_EXITINFO1 = 24;
    public static final int VM_EXIT_SVM_EXITINFO2 = 32;
    public static final int VM_EXIT_BPT_INST_LENGTH = 16;
    public static final int VM_EXIT_MSR_CODE = 16;
    public static final int VM_EXIT_MSR_WVAL = 24;
    public static final int VM_EXIT_SPINUP_AP_VCPU = 16;
    public static final int VM_EXIT_SPINUP_AP_RIP = 24;
    public static final int VM_EXIT_HLT_RFLAGS = 16;
    public static final int VM_EXIT_HLT_INTR_STATUS = 24;
    public static final int VM_EXIT_IOAPIC_EOI_VECTOR = 16;
    public static final int VM_EXIT_SUSPENDED_HOW = 16;
    public static final int VM_EXIT_IPI_MODE = 16;
    public static final int VM_EXIT_IPI_VECTOR = 20;

    // ioctl requests (IOCNUM_* from the header's anonymous enum)
    public static final long VM_RUN = iow(GROUP, 1, VM_RUN_SIZE);
    public static final long VM_SET_CAPABILITY = iow(GROUP, 2, VM_CAPABILITY_SIZE);
    public static final long VM_GET_CAPABILITY = iowr(GROUP, 3, VM_CAPABILITY_SIZE);
    public static final long VM_SUSPEND = iow(GROUP, 4, VM_SUSPEND_SIZE);
    public static final long VM_REINIT = io(GROUP, 5);
    public static final long VM_ALLOC_MEMSEG = iow(GROUP, 14, VM_MEMSEG_SIZE);
    public static final long VM_GET_MEMSEG = iowr(GROUP, 15, VM_MEMSEG_SIZE);
    public static final long VM_MMAP_MEMSEG = iow(GROUP, 16, VM_MEMMAP_SIZE);
    public static final long VM_MMAP_GETNEXT = iowr(GROUP, 17, VM_MEMMAP_SIZE);
    public static final long VM_GLA2GPA_NOFAULT = iowr(GROUP, 18, VM_GLA2GPA_SIZE);
    public static final long VM_MUNMAP_MEMSEG = iow(GROUP, 19, VM_MUNMAP_SIZE);
    public static final long VM_SET_REGISTER = iow(GROUP, 20, VM_REGISTER_SIZE);
    public static final long VM_GET_REGISTER = iowr(GROUP, 21, VM_REGISTER_SIZE);
    public static final long VM_SET_SEGMENT_DESCRIPTOR = iow(GROUP, 22, VM_SEG_DESC_SIZE);
    public static final long VM_GET_SEGMENT_DESCRIPTOR = iowr(GROUP, 23, VM_SEG_DESC_SIZE);
    public static final long VM_SET_REGISTER_SET = iow(GROUP, 24, VM_REGISTER_SET_SIZE);
    public static final long VM_GET_REGISTER_SET = iowr(GROUP, 25, VM_REGISTER_SET_SIZE);
    public static final long VM_STATS = iowr(GROUP, 50, VM_STATS_SIZE);
    public static final long VM_STAT_DESC = iowr(GROUP, 51, VM_STAT_DESC_SIZE);
    public static final long VM_SET_TOPOLOGY = iow(GROUP, 63, VM_CPU_TOPOLOGY_SIZE);
    public static final long VM_GET_TOPOLOGY = ior(GROUP, 64, VM_CPU_TOPOLOGY_SIZE);
    public static final long VM_ACTIVATE_CPU = iow(GROUP, 90, VM_ACTIVATE_CPU_SIZE);
    /** {@code _IOW} although the kernel writes the set through the user pointer. */
    public static final long VM_GET_CPUS = iow(GROUP, 91, VM_CPUSET_SIZE);

    public static final long VM_SUSPEND_CPU = iow(GROUP, 92, VM_ACTIVATE_CPU_SIZE);
    public static final long VM_RESUME_CPU = iow(GROUP, 93, VM_ACTIVATE_CPU_SIZE);

    /** The request's name, for messages: {@code "VM_RUN"}, or hex for an unknown request. */
    public static String name(long request) {
        for (java.lang.reflect.Field f : VmmDev.class.getFields()) {
            if (f.getType() == long.class && f.getName().startsWith("VM_")) {
                try {
                    if (f.getLong(null) == request) {
                        return f.getName();
                    }
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return "0x" + Long.toHexString(request);
    }
}
