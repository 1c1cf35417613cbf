package org.vmm4j.openbsd.guest;

import java.util.Optional;
import org.vmm4j.openbsd.abi.CStruct;
import org.vmm4j.openbsd.abi.VmmAbi;

/**
 * vmd's control protocol for one release: the imsg header format, the message type numbers
 * ({@code proc.h} generic types, then {@code enum imsg_type} of {@code vmd.h}) and the payload layouts.
 *
 * <ul>
 *   <li>{@link #CURRENT}: proc.h 1.23, vmd.h 1.140, imsg.h 1.24 — read from the sources (7.8).</li>
 *   <li>{@link #OPENBSD_7_4}: proc.h 1.23 (in 7.4) gives the same base; the vmd.h 7.4 enum could not be
 *       read, so it is inferred as the 2019 order (with SEND/RECEIVE, without RECEIVE_VMM_FD/PSP_FD) and
 *       the payloads as the current ones around 7.4's smaller {@code vm_create_params}. Confirm on a
 *       7.4 host before relying on it.</li>
 * </ul>
 */
public final class VmdProtocol {
    // proc.h: enum { IMSG_NONE, IMSG_CTL_OK, IMSG_CTL_FAIL, IMSG_CTL_VERBOSE, IMSG_CTL_END, IMSG_CTL_RESET,
    //                IMSG_CTL_PROCFD, IMSG_PROC_MAX }
    public static final int IMSG_NONE = 0;
    public static final int IMSG_CTL_OK = 1;
    public static final int IMSG_CTL_FAIL = 2;
    public static final int IMSG_CTL_VERBOSE = 3;
    public static final int IMSG_CTL_END = 4;
    public static final int IMSG_CTL_RESET = 5;
    public static final int IMSG_CTL_PROCFD = 6;
    public static final int IMSG_PROC_MAX = 7;

    public static final int VM_TTYNAME_MAX = 16;
    public static final int VM_NAME_MAX = 64;
    public static final int VM_MAX_DISKS_PER_VM = 4;
    public static final int VM_MAX_NICS_PER_VM = 4;
    public static final int PATH_MAX = 1024;
    public static final int IF_NAMESIZE = 16;

    public static final int VMOP_FORCE = 0x01;
    public static final int VMOP_WAIT = 0x02;
    public static final int VMOP_CREATE_CPU = 0x01;
    public static final int VMOP_CREATE_KERNEL = 0x02;
    public static final int VMOP_CREATE_MEMORY = 0x04;
    public static final int VMOP_CREATE_NETWORK = 0x08;
    public static final int VMOP_CREATE_DISK = 0x10;
    public static final int VMOP_CREATE_CDROM = 0x20;
    public static final int VMOP_CREATE_INSTANCE = 0x40;
    public static final int VMBOOTDEV_AUTO = 0;
    public static final int VMBOOTDEV_DISK = 1;
    public static final int VMBOOTDEV_CDROM = 2;
    public static final int VMBOOTDEV_NET = 3;
    public static final int VMIFF_UP = 0x01;
    public static final int VMIFF_LOCKED = 0x02;
    public static final int VMIFF_LOCAL = 0x04;
    public static final int VMIFF_RDOMAIN = 0x08;
    public static final int VMDF_RAW = 0x01;
    public static final int VMDF_QCOW2 = 0x02;

    public static final int VMD_BIOS_MISSING = 1001;
    public static final int VMD_DISK_MISSING = 1002;
    public static final int VMD_DISK_INVALID = 1003;
    public static final int VMD_VM_STOP_INVALID = 1004;
    public static final int VMD_CDROM_MISSING = 1005;
    public static final int VMD_CDROM_INVALID = 1006;
    public static final int VMD_PARENT_INVALID = 1007;

    public static final int VM_STATE_RUNNING = 0x01;
    public static final int VM_STATE_DISABLED = 0x02;
    public static final int VM_STATE_SHUTDOWN = 0x04;
    public static final int VM_STATE_PAUSED = 0x10;
    public static final int VM_STATE_WAITING = 0x20;

    public static final int CONFIG_RELOAD = 0x00;
    public static final int CONFIG_VMS = 0x01;
    public static final int CONFIG_SWITCHES = 0x02;
    public static final int CONFIG_ALL = 0xff;

    public static final VmdProtocol CURRENT = new VmdProtocol("7.8", ImsgHeaderFormat.CURRENT, VmmAbi.CURRENT, false);
    public static final VmdProtocol OPENBSD_7_4 =
            new VmdProtocol("7.4", ImsgHeaderFormat.LEGACY, VmmAbi.OPENBSD_7_4, true);

    private final String release;
    private final ImsgHeaderFormat headerFormat;
    private final VmmAbi kernel;

    public final int startVmRequest;
    public final int startVmResponse;
    public final int pauseVm;
    public final int pauseVmResponse;
    public final int unpauseVm;
    public final int unpauseVmResponse;
    public final int waitVmRequest;
    public final int terminateVmRequest;
    public final int terminateVmResponse;
    public final int terminateVmEvent;
    public final int getInfoVmRequest;
    public final int getInfoVmData;
    public final int getInfoVmEndData;
    public final int load;
    public final int reload;

    public final CStruct vmopResult;
    public final CStruct vmopInfoResult;
    public final CStruct vmopId;
    public final CStruct vmopOwner;
    public final CStruct vmopCreateParams;

    private VmdProtocol(String release, ImsgHeaderFormat headerFormat, VmmAbi kernel, boolean sendReceive) {
        this.release = release;
        this.headerFormat = headerFormat;
        this.kernel = kernel;
        int t = IMSG_PROC_MAX;
        startVmRequest = t; // START_VM_REQUEST
        // START_VM_CDROM, START_VM_DISK, START_VM_IF, START_VM_END follow
        startVmResponse = t + 5;
        pauseVm = t + 6;
        pauseVmResponse = t + 7;
        unpauseVm = t + 8;
        unpauseVmResponse = t + 9;
        t += 10;
        if (sendReceive) {
            t += 5; // SEND_VM_REQUEST/RESPONSE, RECEIVE_VM_REQUEST/RESPONSE/END
        }
        waitVmRequest = t;
        terminateVmRequest = t + 1;
        terminateVmResponse = t + 2;
        terminateVmEvent = t + 3;
        getInfoVmRequest = t + 4;
        getInfoVmData = t + 5;
        getInfoVmEndData = t + 6;
        load = t + 7;
        reload = sendReceive ? t + 8 : t + 10; // current: RECEIVE_VMM_FD, RECEIVE_PSP_FD come before RELOAD

        vmopResult = CStruct.struct("vmop_result")
                .i32("vmr_result")
                .u32("vmr_id")
                .i32("vmr_pid")
                .bytes("vmr_ttyname", VM_TTYNAME_MAX)
                .build();
        vmopInfoResult = CStruct.struct("vmop_info_result")
                .nested("vir_info", kernel.vmInfoResult)
                .bytes("vir_ttyname", VM_TTYNAME_MAX)
                .u32("vir_uid")
                .u64("vir_gid")
                .u32("vir_state")
                .build();
        vmopId = CStruct.struct("vmop_id")
                .u32("vid_id")
                .bytes("vid_name", org.vmm4j.openbsd.abi.VmmVar.VMM_MAX_NAME_LEN)
                .u32("vid_uid")
                .u32("vid_flags")
                .build();
        vmopOwner = CStruct.struct("vmop_owner").u32("uid").u64("gid").build();
        vmopCreateParams = CStruct.struct("vmop_create_params")
                .nested("vmc_params", kernel.vmCreateParams)
                .u32("vmc_flags")
                .u32("vmc_checkaccess")
                .u32("vmc_bootdevice")
                .u32Array("vmc_ifflags", VM_MAX_NICS_PER_VM)
                .word("vmc_ndisks")
                .bytes("vmc_disks", VM_MAX_DISKS_PER_VM * PATH_MAX)
                .u32Array("vmc_disktypes", VM_MAX_DISKS_PER_VM)
                .u32Array("vmc_diskbases", VM_MAX_DISKS_PER_VM)
                .bytes("vmc_cdrom", PATH_MAX)
                .i32("vmc_kernel")
                .word("vmc_nnics")
                .bytes("vmc_ifnames", VM_MAX_NICS_PER_VM * IF_NAMESIZE)
                .bytes("vmc_ifswitch", VM_MAX_NICS_PER_VM * VM_NAME_MAX)
                .bytes("vmc_ifgroup", VM_MAX_NICS_PER_VM * IF_NAMESIZE)
                .u32Array("vmc_ifrdomain", VM_MAX_NICS_PER_VM)
                .bytes("vmc_macs", VM_MAX_NICS_PER_VM * 6)
                .nested("vmc_owner", vmopOwner)
                .bytes("vmc_instance", org.vmm4j.openbsd.abi.VmmVar.VMM_MAX_NAME_LEN)
                .nested("vmc_insowner", vmopOwner)
                .u32("vmc_insflags")
                .build();
    }

    /** The protocol for a {@code kern.osrelease}, or empty for a release whose numbering is not known. */
    public static Optional<VmdProtocol> forRelease(String osRelease) {
        return VmmAbi.forRelease(osRelease).map(abi -> abi.isCurrent() ? CURRENT : OPENBSD_7_4);
    }

    public String release() {
        return release;
    }

    public ImsgHeaderFormat headerFormat() {
        return headerFormat;
    }

    /** The kernel ABI whose {@code vm_create_params} and {@code vm_info_result} the payloads embed. */
    public VmmAbi kernel() {
        return kernel;
    }

    /** vmctl's text for a {@code vmr_result}: vmd's own codes, else the errno's name. */
    public static String describeResult(int result) {
        return switch (result) {
            case 0 -> "ok";
            case VMD_BIOS_MISSING -> "firmware image not found";
            case VMD_DISK_MISSING -> "could not open disk image(s)";
            case VMD_DISK_INVALID -> "invalid disk image(s)";
            case VMD_VM_STOP_INVALID -> "VM not running";
            case VMD_CDROM_MISSING -> "could not find specified iso image";
            case VMD_CDROM_INVALID -> "specified iso image is not a regular file";
            case VMD_PARENT_INVALID -> "invalid template";
            case 1 -> "operation not permitted (EPERM)";
            case 2 -> "no such VM (ENOENT)";
            case 13 -> "permission denied (EACCES)";
            case 16 -> "VM is busy (EBUSY)";
            case 17 -> "VM already exists or is running (EEXIST)";
            case 22 -> "invalid argument (EINVAL)";
            case 12 -> "not enough memory (ENOMEM)";
            case 35 -> "resource temporarily unavailable (EAGAIN)";
            case 45 -> "operation not supported (EOPNOTSUPP)";
            default -> "error " + result;
        };
    }

    @Override
    public String toString() {
        return "vmd protocol of OpenBSD " + release;
    }
}
