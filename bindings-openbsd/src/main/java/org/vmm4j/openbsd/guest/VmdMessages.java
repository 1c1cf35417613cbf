package org.vmm4j.openbsd.guest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.vmm4j.openbsd.abi.CStruct;
import org.vmm4j.openbsd.abi.VmmAbi;

/** Encodes and decodes vmd's message payloads ({@code vmd.h}) for one {@link VmdProtocol}. */
@SuppressWarnings("ByteBufferBackingArray") // every encoder's buffer comes from buffer(): ByteBuffer.allocate
public final class VmdMessages {
    private final VmdProtocol protocol;

    public VmdMessages(VmdProtocol protocol) {
        this.protocol = protocol;
    }

    public VmdProtocol protocol() {
        return protocol;
    }

    private static ByteBuffer buffer(CStruct s) {
        return ByteBuffer.allocate((int) s.size()).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void putString(ByteBuffer b, long offset, int capacity, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= capacity) {
            throw new IllegalArgumentException("'" + value + "' does not fit in " + capacity + " bytes with its NUL");
        }
        b.put((int) offset, bytes);
    }

    private static String getString(ByteBuffer b, long offset, int capacity) {
        int start = (int) offset;
        int end = start;
        while (end < start + capacity && end < b.limit() && b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        b.get(start, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** {@code struct vmop_id} naming a VM by id (name empty) or by name (id 0). */
    public byte[] vmopId(int id, String name, int flags) {
        CStruct s = protocol.vmopId;
        ByteBuffer b = buffer(s);
        b.putInt((int) s.offset("vid_id"), id);
        putString(b, s.offset("vid_name"), org.vmm4j.openbsd.abi.VmmVar.VMM_MAX_NAME_LEN, name == null ? "" : name);
        b.putInt((int) s.offset("vid_flags"), flags);
        return b.array();
    }

    /** {@code struct vmop_create_params} as vmctl's {@code vm_start} fills it. */
    public byte[] createParams(VmStartRequest r) {
        CStruct s = protocol.vmopCreateParams;
        VmmAbi k = protocol.kernel();
        ByteBuffer b = buffer(s);
        long vcp = s.offset("vmc_params");
        int flags = 0;
        if (r.vcpus() > 0) {
            b.putLong((int) (vcp + k.vmCreateParams.offset("vcp_ncpus")), r.vcpus());
            flags |= VmdProtocol.VMOP_CREATE_CPU;
        }
        if (r.memoryBytes() > 0) {
            b.putLong((int) (vcp + k.vmCreateParams.offset("vcp_nmemranges")), 1);
            b.putLong((int) (vcp + k.vmCreateParams.offset("vcp_memranges.vmr_size")), r.memoryBytes());
            flags |= VmdProtocol.VMOP_CREATE_MEMORY;
        }
        putString(
                b, vcp + k.vmCreateParams.offset("vcp_name"), org.vmm4j.openbsd.abi.VmmVar.VMM_MAX_NAME_LEN, r.name());
        b.putLong((int) s.offset("vmc_ndisks"), r.disks().size());
        for (int i = 0; i < r.disks().size(); i++) {
            putString(
                    b,
                    s.offset("vmc_disks") + (long) i * VmdProtocol.PATH_MAX,
                    VmdProtocol.PATH_MAX,
                    r.disks().get(i).path());
            b.putInt(
                    (int) (s.offset("vmc_disktypes") + 4L * i), r.disks().get(i).type());
        }
        if (!r.disks().isEmpty()) {
            flags |= VmdProtocol.VMOP_CREATE_DISK;
        }
        if (r.cdrom() != null) {
            putString(b, s.offset("vmc_cdrom"), VmdProtocol.PATH_MAX, r.cdrom());
            flags |= VmdProtocol.VMOP_CREATE_CDROM;
        }
        b.putInt((int) s.offset("vmc_kernel"), -1);
        b.putLong((int) s.offset("vmc_nnics"), r.interfaces().size());
        for (int i = 0; i < r.interfaces().size(); i++) {
            b.putInt(
                    (int) (s.offset("vmc_ifflags") + 4L * i),
                    VmdProtocol.VMIFF_UP | (r.local() ? VmdProtocol.VMIFF_LOCAL : 0));
            if (!r.interfaces().get(i).isEmpty()) {
                putString(
                        b,
                        s.offset("vmc_ifswitch") + (long) i * VmdProtocol.VM_NAME_MAX,
                        VmdProtocol.VM_NAME_MAX,
                        r.interfaces().get(i));
            }
        }
        if (!r.interfaces().isEmpty()) {
            flags |= VmdProtocol.VMOP_CREATE_NETWORK;
        }
        b.putInt((int) s.offset("vmc_bootdevice"), r.bootDevice());
        if (r.template() != null) {
            putString(b, s.offset("vmc_instance"), org.vmm4j.openbsd.abi.VmmVar.VMM_MAX_NAME_LEN, r.template());
            flags |= VmdProtocol.VMOP_CREATE_INSTANCE;
        }
        b.putInt((int) s.offset("vmc_flags"), flags);
        // vmc_owner: uid 0 and gid -1 (no group) ask for nothing; vmd takes the owner from the socket peer.
        b.putLong((int) (s.offset("vmc_owner") + protocol.vmopOwner.offset("gid")), -1);
        b.putLong((int) (s.offset("vmc_insowner") + protocol.vmopOwner.offset("gid")), -1);
        return b.array();
    }

    /** The name, memory, vCPUs, disks and switches of a {@code vmop_create_params} (for the stand-in). */
    public VmStartRequest decodeCreateParams(byte[] payload) {
        CStruct s = protocol.vmopCreateParams;
        VmmAbi k = protocol.kernel();
        requireSize(payload, s);
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        long vcp = s.offset("vmc_params");
        int flags = b.getInt((int) s.offset("vmc_flags"));
        String name =
                getString(b, vcp + k.vmCreateParams.offset("vcp_name"), org.vmm4j.openbsd.abi.VmmVar.VMM_MAX_NAME_LEN);
        long memory = (flags & VmdProtocol.VMOP_CREATE_MEMORY) != 0
                ? b.getLong((int) (vcp + k.vmCreateParams.offset("vcp_memranges.vmr_size")))
                : 0;
        int vcpus = (int) b.getLong((int) (vcp + k.vmCreateParams.offset("vcp_ncpus")));
        java.util.List<VmStartRequest.Disk> disks = new java.util.ArrayList<>();
        long ndisks = b.getLong((int) s.offset("vmc_ndisks"));
        for (int i = 0; i < ndisks && i < VmdProtocol.VM_MAX_DISKS_PER_VM; i++) {
            disks.add(new VmStartRequest.Disk(
                    getString(b, s.offset("vmc_disks") + (long) i * VmdProtocol.PATH_MAX, VmdProtocol.PATH_MAX),
                    b.getInt((int) (s.offset("vmc_disktypes") + 4L * i))));
        }
        java.util.List<String> nics = new java.util.ArrayList<>();
        boolean local = false;
        long nnics = b.getLong((int) s.offset("vmc_nnics"));
        for (int i = 0; i < nnics && i < VmdProtocol.VM_MAX_NICS_PER_VM; i++) {
            nics.add(getString(
                    b, s.offset("vmc_ifswitch") + (long) i * VmdProtocol.VM_NAME_MAX, VmdProtocol.VM_NAME_MAX));
            local |= (b.getInt((int) (s.offset("vmc_ifflags") + 4L * i)) & VmdProtocol.VMIFF_LOCAL) != 0;
        }
        String cdrom = (flags & VmdProtocol.VMOP_CREATE_CDROM) != 0
                ? getString(b, s.offset("vmc_cdrom"), VmdProtocol.PATH_MAX)
                : null;
        String template = (flags & VmdProtocol.VMOP_CREATE_INSTANCE) != 0
                ? getString(b, s.offset("vmc_instance"), org.vmm4j.openbsd.abi.VmmVar.VMM_MAX_NAME_LEN)
                : null;
        return new VmStartRequest(
                name, memory, vcpus, disks, cdrom, nics, local, b.getInt((int) s.offset("vmc_bootdevice")), template);
    }

    public byte[] result(VmdResult r) {
        CStruct s = protocol.vmopResult;
        ByteBuffer b = buffer(s);
        b.putInt((int) s.offset("vmr_result"), r.result());
        b.putInt((int) s.offset("vmr_id"), r.id());
        b.putInt((int) s.offset("vmr_pid"), r.pid());
        putString(b, s.offset("vmr_ttyname"), VmdProtocol.VM_TTYNAME_MAX, r.tty());
        return b.array();
    }

    public VmdResult decodeResult(byte[] payload) {
        CStruct s = protocol.vmopResult;
        requireSize(payload, s);
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        return new VmdResult(
                b.getInt((int) s.offset("vmr_result")),
                b.getInt((int) s.offset("vmr_id")),
                b.getInt((int) s.offset("vmr_pid")),
                getString(b, s.offset("vmr_ttyname"), VmdProtocol.VM_TTYNAME_MAX));
    }

    public byte[] infoResult(VmdVmStatus v) {
        CStruct s = protocol.vmopInfoResult;
        CStruct k = protocol.kernel().vmInfoResult;
        ByteBuffer b = buffer(s);
        long vir = s.offset("vir_info");
        b.putLong((int) (vir + k.offset("vir_memory_size")), v.maxMemory());
        b.putLong((int) (vir + k.offset("vir_used_size")), v.usedMemory());
        b.putLong((int) (vir + k.offset("vir_ncpus")), v.vcpus());
        b.putInt((int) (vir + k.offset("vir_creator_pid")), v.pid());
        b.putInt((int) (vir + k.offset("vir_id")), v.id());
        putString(b, vir + k.offset("vir_name"), org.vmm4j.openbsd.abi.VmmVar.VMM_MAX_NAME_LEN, v.name());
        putString(b, s.offset("vir_ttyname"), VmdProtocol.VM_TTYNAME_MAX, v.tty());
        b.putInt((int) s.offset("vir_uid"), v.uid());
        b.putLong((int) s.offset("vir_gid"), v.gid());
        b.putInt((int) s.offset("vir_state"), v.state());
        return b.array();
    }

    public VmdVmStatus decodeInfoResult(byte[] payload) {
        CStruct s = protocol.vmopInfoResult;
        CStruct k = protocol.kernel().vmInfoResult;
        requireSize(payload, s);
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        long vir = s.offset("vir_info");
        return new VmdVmStatus(
                b.getInt((int) (vir + k.offset("vir_id"))),
                b.getInt((int) (vir + k.offset("vir_creator_pid"))),
                (int) b.getLong((int) (vir + k.offset("vir_ncpus"))),
                b.getLong((int) (vir + k.offset("vir_memory_size"))),
                b.getLong((int) (vir + k.offset("vir_used_size"))),
                getString(b, s.offset("vir_ttyname"), VmdProtocol.VM_TTYNAME_MAX),
                b.getInt((int) s.offset("vir_uid")),
                b.getLong((int) s.offset("vir_gid")),
                b.getInt((int) s.offset("vir_state")),
                getString(b, vir + k.offset("vir_name"), org.vmm4j.openbsd.abi.VmmVar.VMM_MAX_NAME_LEN));
    }

    /** An {@code unsigned int} or {@code int} payload (reset mode, verbosity, CTL_FAIL errno). */
    public static byte[] intPayload(int value) {
        return ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(value)
                .array();
    }

    /** A path with its NUL, as {@code vmctl load} sends it. */
    public static byte[] pathPayload(String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.copyOf(bytes, bytes.length + 1);
    }

    private static void requireSize(byte[] payload, CStruct s) {
        if (payload.length != s.size()) {
            throw new ImsgException(
                    "vmd sent " + payload.length + " bytes where struct " + s.name() + " has " + s.size());
        }
    }
}
