package org.vmm4j.openbsd;

import static org.vmm4j.openbsd.abi.VmmVar.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.vmm4j.VmmException;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.openbsd.abi.CStruct;
import org.vmm4j.openbsd.abi.VmmAbi;
import org.vmm4j.openbsd.internal.VmmDevice;

/**
 * One {@code struct vm_info_result} of {@code VMM_IOC_INFO}: a VM as the kernel sees it.
 *
 * @param memorySize bytes of guest memory ({@code vir_memory_size})
 * @param usedSize   bytes of it resident ({@code vir_used_size})
 * @param vcpus      vCPU count
 * @param vcpuStates {@code VCPU_STATE_*} of each vCPU
 * @param creatorPid the process that created it (vmd's vm process, or this JVM)
 * @param id         the kernel's VM id
 * @param name       the VM name
 */
@SuppressWarnings("ArrayRecordComponent") // a snapshot of vm_info_result, never compared or hashed
public record VmmVmInfo(
        long memorySize, long usedSize, int vcpus, int[] vcpuStates, int creatorPid, int id, String name) {

    /** {@code "stopped"}, {@code "running"}, {@code "requested termination"}, ... for a VCPU_STATE_* value. */
    public static String describeVcpuState(int state) {
        return switch (state) {
            case VCPU_STATE_STOPPED -> "stopped";
            case VCPU_STATE_RUNNING -> "running";
            case VCPU_STATE_REQTERM -> "requested termination";
            case VCPU_STATE_TERMINATED -> "terminated";
            default -> "unknown";
        };
    }

    /** Every VM the kernel knows (all processes'), via {@code VMM_IOC_INFO}. */
    static List<VmmVmInfo> list(VmmDevice device) {
        VmmAbi abi = device.abi();
        CStruct p = abi.vmInfoParams;
        CStruct r = abi.vmInfoResult;
        long want = r.size() * 4;
        for (int attempt = 0; attempt < 8; attempt++) {
            try (NativeMemory params = device.allocate(p.size());
                    NativeMemory buffer = device.allocate(want)) {
                params.putLong(p.offset("vip_size"), want);
                params.putLong(p.offset("vip_info"), buffer.address());
                int rc = device.ioctl(abi.iocInfo, params);
                if (rc < 0) {
                    throw Errno.exception("ioctl(VMM_IOC_INFO)", -rc);
                }
                long needed = params.getLong(p.offset("vip_size"));
                long count = params.getLong(p.offset("vip_info_ct"));
                if (count == 0 && needed > want) {
                    // The kernel says how big the buffer must be and returns nothing; VMs may come and go.
                    want = needed;
                    continue;
                }
                List<VmmVmInfo> out = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    out.add(decode(abi, buffer, i * r.size()));
                }
                return out;
            }
        }
        throw new VmmException("ioctl(VMM_IOC_INFO): the VM list kept growing");
    }

    static VmmVmInfo decode(VmmAbi abi, NativeMemory m, long base) {
        CStruct r = abi.vmInfoResult;
        int n = (int) m.getLong(base + r.offset("vir_ncpus"));
        int[] states = new int[Math.min(Math.max(n, 0), VMM_MAX_VCPUS_PER_VM)];
        for (int i = 0; i < states.length; i++) {
            states[i] = m.getUnsignedByte(base + r.offset("vir_vcpu_state") + i);
        }
        String name = m.slice(base + r.offset("vir_name"), VMM_MAX_NAME_LEN).getString(0);
        return new VmmVmInfo(
                m.getLong(base + r.offset("vir_memory_size")),
                m.getLong(base + r.offset("vir_used_size")),
                n,
                states,
                m.getInt(base + r.offset("vir_creator_pid")),
                m.getInt(base + r.offset("vir_id")),
                name);
    }

    @Override
    public int[] vcpuStates() {
        return vcpuStates.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VmmVmInfo v
                && v.memorySize == memorySize
                && v.usedSize == usedSize
                && v.vcpus == vcpus
                && Arrays.equals(v.vcpuStates, vcpuStates)
                && v.creatorPid == creatorPid
                && v.id == id
                && v.name.equals(name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, name, creatorPid);
    }

    @Override
    public String toString() {
        return "VmmVmInfo[id " + id + " " + name + ", " + vcpus + " vCPUs " + Arrays.toString(vcpuStates) + ", memory "
                + memorySize + " used " + usedSize + ", pid " + creatorPid + "]";
    }
}
