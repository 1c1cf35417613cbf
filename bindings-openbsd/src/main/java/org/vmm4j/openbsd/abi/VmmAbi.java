package org.vmm4j.openbsd.abi;

import static org.vmm4j.openbsd.abi.VmmVar.*;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmm4j.internal.nat.BsdIoctl;

/**
 * The vmm(4) kernel ABI of one OpenBSD release on amd64: struct layouts, ioctl request numbers and the
 * register index order. Two are known:
 *
 * <ul>
 *   <li>{@link #CURRENT}: {@code sys/dev/vmm/vmm.h} 1.13 and {@code vmmvar.h} 1.117, read from the
 *       sources; most likely the 7.8 ABI (facts file O.0).</li>
 *   <li>{@link #OPENBSD_7_4}: {@code vmm.h} 1.3 (read) for create/info/sharemem; {@code vm_run_params}
 *       with {@code vrp_continue}/{@code vrp_irq}, the 2018 register order, and a {@code vm_exit} whose
 *       EPT member has only {@code vee_fault_type} are inferred from the 2018 header (vmmvar.h 1.56) and
 *       should be confirmed on a 7.4 host.</li>
 * </ul>
 *
 * Releases 7.5 to 7.7 sit between the two in ways the available sources do not pin down, so
 * {@link #forRelease} refuses them rather than guess a layout the kernel would misread.
 */
public final class VmmAbi {

    public static final VmmAbi CURRENT = new VmmAbi("7.8", true);
    public static final VmmAbi OPENBSD_7_4 = new VmmAbi("7.4", false);

    private static final Pattern RELEASE = Pattern.compile("(\\d+)\\.(\\d+).*");

    private final String release;
    private final boolean current;

    public final CStruct vmMemRange;
    public final CStruct vmCreateParams;
    public final CStruct vcpuInjectEvent;
    public final CStruct vmRunParams;
    public final CStruct vmExitInout;
    public final CStruct vmExitEptViolation;
    public final CStruct vcpuSegmentInfo;
    public final CStruct vcpuRegState;
    public final CStruct vmExit;
    public final CStruct vmInfoResult;
    public final CStruct vmInfoParams;
    public final CStruct vmTerminateParams;
    public final CStruct vmResetcpuParams;
    public final CStruct vmSharememParams;
    public final CStruct vmIntrParams;
    public final CStruct vmRwregsParams;
    public final CStruct vmRwvmparamsParams;

    public final long iocCreate;
    public final long iocRun;
    public final long iocInfo;
    public final long iocTerm;
    public final long iocResetcpu;
    public final long iocIntr;
    public final long iocReadregs;
    public final long iocWriteregs;
    public final long iocReadvmparams;
    public final long iocWritevmparams;
    public final long iocSharemem;

    /** GPR indices in {@code vrs_gprs[]}, in {@link org.vmm4j.Registers} component order (rax, rbx, rcx, ...). */
    private final int[] gprIndex;
    /** Segment indices in {@code vrs_sregs[]}: cs, ds, es, fs, gs, ss, ldtr, tr. */
    private final int[] sregIndex;

    private VmmAbi(String release, boolean current) {
        this.release = release;
        this.current = current;
        vmMemRange = CStruct.struct("vm_mem_range")
                .word("vmr_gpa")
                .word("vmr_va")
                .word("vmr_size")
                .i32("vmr_type")
                .build();
        CStruct.Builder create = CStruct.struct("vm_create_params")
                .word("vcp_nmemranges")
                .word("vcp_ncpus")
                .nested("vcp_memranges", vmMemRange, VMM_MAX_MEM_RANGES)
                .bytes("vcp_name", VMM_MAX_NAME_LEN);
        if (current) {
            create.i32("vcp_sev")
                    .i32("vcp_seves")
                    .u32("vcp_id")
                    .u32("vcp_poscbit")
                    .u32Array("vcp_asid", VMM_MAX_VCPUS);
        } else {
            create.u32("vcp_id");
        }
        vmCreateParams = create.build();

        vcpuInjectEvent = CStruct.struct("vcpu_inject_event")
                .u8("vie_vector")
                .u32("vie_errorcode")
                .u8("vie_type")
                .build();
        CStruct.Builder run = CStruct.struct("vm_run_params").u32("vrp_vm_id").u32("vrp_vcpu_id");
        if (current) {
            run.nested("vrp_inject", vcpuInjectEvent).u8("vrp_intr_pending");
        } else {
            run.u8("vrp_continue").u16("vrp_irq");
        }
        vmRunParams = run.pointer("vrp_exit")
                .u16("vrp_exit_reason")
                .u8("vrp_irqready")
                .build();

        vmExitInout = CStruct.struct("vm_exit_inout")
                .u8("vei_size")
                .u8("vei_dir")
                .u8("vei_rep")
                .u8("vei_string")
                .u8("vei_encoding")
                .u16("vei_port")
                .u32("vei_data")
                .u8("vei_insn_len")
                .build();
        CStruct.Builder ept = CStruct.struct("vm_exit_eptviolation").u8("vee_fault_type");
        if (current) {
            ept.u8("vee_insn_info").u8("vee_insn_len").bytes("vee_insn_bytes", 15);
        }
        vmExitEptViolation = ept.build();
        vcpuSegmentInfo = CStruct.struct("vcpu_segment_info")
                .u16("vsi_sel")
                .u32("vsi_limit")
                .u32("vsi_ar")
                .u64("vsi_base")
                .build();
        vcpuRegState = CStruct.struct("vcpu_reg_state")
                .u64Array("vrs_gprs", VCPU_REGS_NGPRS)
                .u64Array("vrs_crs", VCPU_REGS_NCRS)
                .u64Array("vrs_msrs", VCPU_REGS_NMSRS)
                .u64Array("vrs_drs", VCPU_REGS_NDRS)
                .nested("vrs_sregs", vcpuSegmentInfo, VCPU_REGS_NSREGS)
                .nested("vrs_gdtr", vcpuSegmentInfo)
                .nested("vrs_idtr", vcpuSegmentInfo)
                .build();
        CStruct exitUnion = CStruct.union("vm_exit_union")
                .nested("vei", vmExitInout)
                .nested("vee", vmExitEptViolation)
                .build();
        vmExit = CStruct.struct("vm_exit")
                .anonymous(exitUnion)
                .nested("vrs", vcpuRegState)
                .i32("cpl")
                .build();

        vmInfoResult = CStruct.struct("vm_info_result")
                .word("vir_memory_size")
                .word("vir_used_size")
                .word("vir_ncpus")
                .bytes("vir_vcpu_state", VMM_MAX_VCPUS_PER_VM)
                .i32("vir_creator_pid")
                .u32("vir_id")
                .bytes("vir_name", VMM_MAX_NAME_LEN)
                .build();
        vmInfoParams = CStruct.struct("vm_info_params")
                .word("vip_size")
                .word("vip_info_ct")
                .pointer("vip_info")
                .build();
        vmTerminateParams =
                CStruct.struct("vm_terminate_params").u32("vtp_vm_id").build();
        vmResetcpuParams = CStruct.struct("vm_resetcpu_params")
                .u32("vrp_vm_id")
                .u32("vrp_vcpu_id")
                .nested("vrp_init_state", vcpuRegState)
                .build();
        CStruct.Builder share = CStruct.struct("vm_sharemem_params")
                .u32("vsp_vm_id")
                .word("vsp_nmemranges")
                .nested("vsp_memranges", vmMemRange, VMM_MAX_MEM_RANGES);
        if (current) {
            share.wordArray("vsp_va", VMM_MAX_MEM_RANGES);
        }
        vmSharememParams = share.build();
        vmIntrParams = CStruct.struct("vm_intr_params")
                .u32("vip_vm_id")
                .u32("vip_vcpu_id")
                .u16("vip_intr")
                .build();
        vmRwregsParams = CStruct.struct("vm_rwregs_params")
                .u32("vrwp_vm_id")
                .u32("vrwp_vcpu_id")
                .u64("vrwp_mask")
                .nested("vrwp_regs", vcpuRegState)
                .build();
        vmRwvmparamsParams = CStruct.struct("vm_rwvmparams_params")
                .u32("vpp_vm_id")
                .u32("vpp_vcpu_id")
                .u32("vpp_mask")
                .word("vpp_pvclock_system_gpa")
                .u32("vpp_pvclock_version")
                .build();

        iocCreate = BsdIoctl.iowr(IOCTL_GROUP, NR_CREATE, vmCreateParams.size());
        iocRun = BsdIoctl.iowr(IOCTL_GROUP, NR_RUN, vmRunParams.size());
        iocInfo = BsdIoctl.iowr(IOCTL_GROUP, NR_INFO, vmInfoParams.size());
        iocTerm = BsdIoctl.iow(IOCTL_GROUP, NR_TERM, vmTerminateParams.size());
        iocResetcpu = BsdIoctl.iow(IOCTL_GROUP, NR_RESETCPU, vmResetcpuParams.size());
        iocIntr = BsdIoctl.iow(IOCTL_GROUP, NR_INTR, vmIntrParams.size());
        iocReadregs = BsdIoctl.iowr(IOCTL_GROUP, NR_READREGS, vmRwregsParams.size());
        iocWriteregs = BsdIoctl.iow(IOCTL_GROUP, NR_WRITEREGS, vmRwregsParams.size());
        iocReadvmparams = BsdIoctl.iowr(IOCTL_GROUP, NR_READVMPARAMS, vmRwvmparamsParams.size());
        iocWritevmparams = BsdIoctl.iow(IOCTL_GROUP, NR_WRITEVMPARAMS, vmRwvmparamsParams.size());
        iocSharemem = current
                ? BsdIoctl.iowr(IOCTL_GROUP, NR_SHAREMEM, vmSharememParams.size())
                : BsdIoctl.iow(IOCTL_GROUP, NR_SHAREMEM, vmSharememParams.size());

        if (current) {
            // "ordered to assist instruction decode": rax rcx rdx rbx rsp rbp rsi rdi r8..r15
            gprIndex = new int[] {0, 3, 1, 2, 6, 7, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
            sregIndex = new int[] {1, 3, 0, 4, 5, 2, 6, 7}; // ES 0 CS 1 SS 2 DS 3 FS 4 GS 5 LDTR 6 TR 7
        } else {
            // 2018 order: rax rbx rcx rdx rsi rdi r8..r15 rsp rbp
            gprIndex = new int[] {0, 1, 2, 3, 4, 5, 14, 15, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17};
            sregIndex = new int[] {0, 1, 2, 3, 4, 5, 6, 7}; // CS DS ES FS GS SS LDTR TR
        }
    }

    /**
     * The ABI for a {@code kern.osrelease} value such as {@code "7.4"} or {@code "7.8"}.
     *
     * @return empty for a release whose layouts are not known (7.5 to 7.7, or older than 7.4)
     */
    public static Optional<VmmAbi> forRelease(String osRelease) {
        Matcher m = RELEASE.matcher(osRelease == null ? "" : osRelease.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        int version = Integer.parseInt(m.group(1)) * 10 + Integer.parseInt(m.group(2));
        if (version == 74) {
            return Optional.of(OPENBSD_7_4);
        }
        if (version >= 78) {
            return Optional.of(CURRENT);
        }
        return Optional.empty();
    }

    /** The release this ABI was read for, e.g. {@code "7.8"}. */
    public String release() {
        return release;
    }

    /** Whether this is the {@code vmm.h} 1.13 ABI (injection through {@code vrp_inject}, SEV fields). */
    public boolean isCurrent() {
        return current;
    }

    /** Whether {@code vm_exit_eptviolation} carries the instruction length and bytes. */
    public boolean hasMmioAssist() {
        return current;
    }

    /**
     * Index in {@code vrs_gprs[]} of the {@code n}-th component of {@link org.vmm4j.Registers}
     * (0 rax, 1 rbx, 2 rcx, 3 rdx, 4 rsi, 5 rdi, 6 rsp, 7 rbp, 8-15 r8-r15, 16 rip, 17 rflags).
     */
    public int gprIndex(int component) {
        return gprIndex[component];
    }

    /** Index in {@code vrs_sregs[]} of cs (0), ds, es, fs, gs, ss, ldtr, tr (7). */
    public int sregIndex(int component) {
        return sregIndex[component];
    }

    @Override
    public String toString() {
        return "vmm(4) ABI of OpenBSD " + release;
    }
}
