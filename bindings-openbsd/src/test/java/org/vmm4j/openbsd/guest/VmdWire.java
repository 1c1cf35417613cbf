package org.vmm4j.openbsd.guest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * TEST ONLY: vmd's wire format as the stand-in speaks it, worked out by hand from
 * {@code shared/abi/openbsd-vmm.md}: the two {@code imsg_hdr} layouts, the message numbers (proc.h's
 * generic types, then vmd.h's {@code enum imsg_type} from {@code IMSG_PROC_MAX}) and the payload
 * offsets by the LP64 rules. Written apart from {@code ImsgHeaderFormat}, {@code VmdProtocol} and
 * {@code VmdMessages} on purpose: a layout bug in production code cannot cancel itself out here.
 */
final class VmdWire {
    static final int HEADER_SIZE = 16;
    static final int MAX_IMSGSIZE = 16384;

    // proc.h: IMSG_NONE 0, CTL_OK 1, CTL_FAIL 2, CTL_VERBOSE 3, CTL_END 4, CTL_RESET 5, CTL_PROCFD 6, PROC_MAX 7
    static final int IMSG_CTL_FAIL = 2;
    static final int IMSG_CTL_VERBOSE = 3;
    static final int IMSG_CTL_RESET = 5;

    // vmd.h
    static final int VMOP_FORCE = 0x01;
    static final int VMOP_WAIT = 0x02;
    static final int VMOP_CREATE_MEMORY = 0x04;
    static final int VMOP_CREATE_CDROM = 0x20;
    static final int VMIFF_LOCAL = 0x04;
    static final int VMDF_QCOW2 = 0x02;
    static final int VM_STATE_RUNNING = 0x01;
    static final int VM_STATE_SHUTDOWN = 0x04;
    static final int VM_STATE_PAUSED = 0x10;
    static final int VMD_DISK_MISSING = 1002;
    static final int VMD_VM_STOP_INVALID = 1004;
    static final int ENOENT = 2;
    static final int EACCES = 13;
    static final int EEXIST = 17;

    /*
     * struct vmop_result { int vmr_result 0; uint32_t vmr_id 4; pid_t vmr_pid 8; char vmr_ttyname[16] 12 }: 28.
     */
    static final int SIZEOF_VMOP_RESULT = 28;
    /*
     * struct vmop_id { uint32_t vid_id 0; char vid_name[64] 4; uid_t vid_uid 68; unsigned vid_flags 72 }: 76.
     */
    static final int SIZEOF_VMOP_ID = 76;
    /*
     * struct vmop_info_result { struct vm_info_result vir_info 0..160 (vir_memory_size 0, vir_used_size 8,
     * vir_ncpus 16, vir_vcpu_state[64] 24, vir_creator_pid 88, vir_id 92, vir_name[64] 96);
     * char vir_ttyname[16] 160; uid_t vir_uid 176; int64_t vir_gid 184; unsigned vir_state 192 }: 200.
     */
    static final int SIZEOF_VMOP_INFO_RESULT = 200;

    final String release;
    final boolean legacyHeader;
    // message numbers
    final int startVmRequest;
    final int startVmResponse;
    final int pauseVm;
    final int pauseVmResponse;
    final int unpauseVm;
    final int unpauseVmResponse;
    final int waitVmRequest;
    final int terminateVmRequest;
    final int terminateVmResponse;
    final int terminateVmEvent;
    final int getInfoVmRequest;
    final int getInfoVmData;
    final int getInfoVmEndData;
    final int load;
    final int reload;
    /*
     * struct vmop_create_params: struct vm_create_params vmc_params first (vcp_ncpus 8,
     * vcp_memranges[0].vmr_size 32, vcp_name 528; sizeof 2656 now, 600 in 7.4), then with
     * B = sizeof(vm_create_params):
     * vmc_flags B; vmc_checkaccess B+4; vmc_bootdevice B+8; vmc_ifflags[4] B+12; size_t vmc_ndisks B+32;
     * vmc_disks[4][1024] B+40; vmc_disktypes[4] B+4136; vmc_diskbases[4] B+4152; vmc_cdrom[1024] B+4168;
     * int vmc_kernel B+5192; size_t vmc_nnics B+5200; vmc_ifnames[4][16] B+5208;
     * vmc_ifswitch[4][64] B+5272; vmc_ifgroup[4][16] B+5528; vmc_ifrdomain[4] B+5592; vmc_macs[4][6]
     * B+5608; struct vmop_owner vmc_owner B+5632; vmc_instance[64] B+5648; vmc_insowner B+5712;
     * vmc_insflags B+5728; sizeof B+5736 (B is a multiple of 8).
     */
    final int createParamsBase;

    private VmdWire(String release, boolean legacyHeader, boolean sendReceive, int createParamsBase) {
        this.release = release;
        this.legacyHeader = legacyHeader;
        this.createParamsBase = createParamsBase;
        // enum imsg_type from IMSG_PROC_MAX (7): START_VM_REQUEST 7, _CDROM 8, _DISK 9, _IF 10, _END 11,
        // START_VM_RESPONSE 12, PAUSE_VM 13, PAUSE_VM_RESPONSE 14, UNPAUSE_VM 15, UNPAUSE_VM_RESPONSE 16
        startVmRequest = 7;
        startVmResponse = 12;
        pauseVm = 13;
        pauseVmResponse = 14;
        unpauseVm = 15;
        unpauseVmResponse = 16;
        if (sendReceive) {
            // 7.4 (inferred, the 2019 order): SEND_VM_REQUEST 17 .. RECEIVE_VM_END 21, WAIT_VM_REQUEST 22,
            // TERMINATE 23-25, GET_INFO 26-28, LOAD 29, RELOAD 30
            waitVmRequest = 22;
            terminateVmRequest = 23;
            terminateVmResponse = 24;
            terminateVmEvent = 25;
            getInfoVmRequest = 26;
            getInfoVmData = 27;
            getInfoVmEndData = 28;
            load = 29;
            reload = 30;
        } else {
            // vmd.h 1.140: WAIT_VM_REQUEST 17, TERMINATE 18-20, GET_INFO 21-23, LOAD 24,
            // RECEIVE_VMM_FD 25, RECEIVE_PSP_FD 26, RELOAD 27
            waitVmRequest = 17;
            terminateVmRequest = 18;
            terminateVmResponse = 19;
            terminateVmEvent = 20;
            getInfoVmRequest = 21;
            getInfoVmData = 22;
            getInfoVmEndData = 23;
            load = 24;
            reload = 27;
        }
    }

    static final VmdWire CURRENT = new VmdWire("7.8", false, false, 2656);
    static final VmdWire OPENBSD_7_4 = new VmdWire("7.4", true, true, 600);

    static VmdWire forRelease(String release) {
        return release.equals("7.4") ? OPENBSD_7_4 : CURRENT;
    }

    int sizeofCreateParams() {
        return createParamsBase + 5736;
    }

    /** One message as it crossed the socket. */
    @SuppressWarnings("ArrayRecordComponent") // a message as it crossed the socket, never compared or hashed
    record Message(int type, int length, boolean fdMark, byte[] payload) {
        ByteBuffer data() {
            return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** Reads the 16-byte header: {@code {type, length}} with the fd mark stripped. */
    int[] header(ByteBuffer h) {
        h.order(ByteOrder.LITTLE_ENDIAN);
        int type = h.getInt(0);
        if (legacyHeader) {
            return new int[] {type, h.getShort(4) & 0xffff, h.getShort(6) & 1};
        }
        int len = h.getInt(4);
        return new int[] {type, len & 0x7fff_ffff, len >>> 31};
    }

    /** A whole message without an fd, as vmd sends it (peer id 0, pid 0). */
    byte[] encode(int type, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, type);
        if (legacyHeader) {
            b.putShort(4, (short) (HEADER_SIZE + payload.length));
            b.putShort(6, (short) 0);
        } else {
            b.putInt(4, HEADER_SIZE + payload.length);
        }
        b.put(HEADER_SIZE, payload);
        return b.array();
    }

    static byte[] result(int result, int id, int pid, String tty) {
        ByteBuffer b = ByteBuffer.allocate(SIZEOF_VMOP_RESULT).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, result);
        b.putInt(4, id);
        b.putInt(8, pid);
        putString(b, 12, 16, tty);
        return b.array();
    }

    static byte[] infoResult(
            int id, int pid, int vcpus, long memory, long used, String tty, int uid, long gid, int state, String name) {
        ByteBuffer b = ByteBuffer.allocate(SIZEOF_VMOP_INFO_RESULT).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, memory);
        b.putLong(8, used);
        b.putLong(16, vcpus);
        b.putInt(88, pid);
        b.putInt(92, id);
        putString(b, 96, 64, name);
        putString(b, 160, 16, tty);
        b.putInt(176, uid);
        b.putLong(184, gid);
        b.putInt(192, state);
        return b.array();
    }

    /** A decoded {@code vmop_id}. */
    record VmopId(int id, String name, int flags) {}

    static VmopId vmopId(byte[] payload) {
        requireSize(payload, SIZEOF_VMOP_ID, "vmop_id");
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        return new VmopId(b.getInt(0), string(b, 4, 64), b.getInt(72));
    }

    /** What the stand-in reads of a {@code vmop_create_params}. */
    @SuppressWarnings("ArrayRecordComponent") // decoded for assertions on its fields, never compared whole
    record Create(
            String name,
            long memory,
            long vcpus,
            int flags,
            String[] disks,
            int[] diskTypes,
            String cdrom,
            String[] switches,
            boolean local,
            int bootDevice) {}

    Create createParams(byte[] payload) {
        requireSize(payload, sizeofCreateParams(), "vmop_create_params");
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        int base = createParamsBase;
        int flags = b.getInt(base);
        int ndisks = (int) Math.min(b.getLong(base + 32), 4);
        String[] disks = new String[ndisks];
        int[] types = new int[ndisks];
        for (int i = 0; i < ndisks; i++) {
            disks[i] = string(b, base + 40 + 1024 * i, 1024);
            types[i] = b.getInt(base + 4136 + 4 * i);
        }
        int nnics = (int) Math.min(b.getLong(base + 5200), 4);
        String[] switches = new String[nnics];
        boolean local = false;
        for (int i = 0; i < nnics; i++) {
            switches[i] = string(b, base + 5272 + 64 * i, 64);
            local |= (b.getInt(base + 12 + 4 * i) & VMIFF_LOCAL) != 0;
        }
        String cdrom = (flags & VMOP_CREATE_CDROM) != 0 ? string(b, base + 4168, 1024) : null;
        long memory = (flags & VMOP_CREATE_MEMORY) != 0 ? b.getLong(32) : 0;
        return new Create(
                string(b, 528, 64),
                memory,
                b.getLong(8),
                flags,
                disks,
                types,
                cdrom,
                switches,
                local,
                b.getInt(base + 8));
    }

    static byte[] intPayload(int value) {
        return ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0, value)
                .array();
    }

    private static void requireSize(byte[] payload, int size, String struct) {
        if (payload.length != size) {
            throw new IllegalStateException("struct " + struct + " of " + payload.length + " bytes, expected " + size);
        }
    }

    private static void putString(ByteBuffer b, int at, int capacity, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= capacity) {
            throw new IllegalArgumentException(s + " does not fit " + capacity + " bytes");
        }
        b.put(at, bytes);
    }

    private static String string(ByteBuffer b, int at, int capacity) {
        int end = at;
        while (end < at + capacity && b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - at];
        b.get(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
