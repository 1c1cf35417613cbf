package org.vmm4j.openbsd.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** imsg framing and vmd payloads: golden bytes written out by hand from the header field lists. */
class ImsgCodecTest {
    private static final HexFormat HEX = HexFormat.of();
    private final VmdMessages current = new VmdMessages(VmdProtocol.CURRENT);

    private static String zeros(int n) {
        return "00".repeat(n);
    }

    @Test
    void messageWithoutFdIsTheSameInBothHeaderFormats() {
        Imsg m = Imsg.of(21, new byte[0]);
        // type 21 (GET_INFO_VM_REQUEST), len 16, flags/peerid/pid 0
        String golden = "15000000" + "10000000" + "00000000" + "00000000";
        assertEquals(golden, HEX.formatHex(m.encode(ImsgHeaderFormat.LEGACY)));
        assertEquals(golden, HEX.formatHex(m.encode(ImsgHeaderFormat.CURRENT)));
    }

    @Test
    void legacyFormatMarksFdInFlagsAndCurrentInTheTopBitOfLen() {
        Imsg m = new Imsg(7, 3, 99, new byte[] {1, 2}, true);
        assertEquals(
                "07000000" + "1200" + "0100" + "03000000" + "63000000" + "0102",
                HEX.formatHex(m.encode(ImsgHeaderFormat.LEGACY)));
        assertEquals(
                "07000000" + "12000080" + "03000000" + "63000000" + "0102",
                HEX.formatHex(m.encode(ImsgHeaderFormat.CURRENT)));
    }

    @Test
    void headersRoundTripInBothFormats() {
        for (ImsgHeaderFormat f : ImsgHeaderFormat.values()) {
            Imsg m = new Imsg(27, 5, 1234, new byte[] {9, 8, 7}, true);
            ImsgHeaderFormat.Header h = f.readHeader(ByteBuffer.wrap(m.encode(f)));
            assertEquals(new ImsgHeaderFormat.Header(27, 19, true, 5, 1234), h, f.name());
        }
    }

    @Test
    void rejectsMessagesOverMaxImsgsizeAndImpossibleLengths() {
        assertThrows(
                IllegalArgumentException.class,
                () -> Imsg.of(7, new byte[16384 - 16 + 1]).encode(ImsgHeaderFormat.CURRENT));
        byte[] shortLen = HEX.parseHex("07000000" + "08000000" + zeros(8));
        assertThrows(ImsgException.class, () -> ImsgHeaderFormat.CURRENT.readHeader(ByteBuffer.wrap(shortLen)));
    }

    @Test
    void headerFormatFollowsTheRelease() {
        assertEquals(ImsgHeaderFormat.LEGACY, ImsgHeaderFormat.forRelease("7.4"));
        assertEquals(ImsgHeaderFormat.LEGACY, ImsgHeaderFormat.forRelease("7.6"));
        assertEquals(ImsgHeaderFormat.CURRENT, ImsgHeaderFormat.forRelease("7.8"));
    }

    @Test
    void stopForceWaitByNameIsGoldenVmopId() {
        byte[] payload = current.vmopId(0, "web1", VmdProtocol.VMOP_FORCE | VmdProtocol.VMOP_WAIT);
        // vid_id 0 | vid_name "web1" NUL-padded to 64 | vid_uid 0 | vid_flags 3
        String golden = "00000000" + "77656231" + zeros(60) + "00000000" + "03000000";
        assertEquals(golden, HEX.formatHex(payload));
        byte[] wire = Imsg.of(VmdProtocol.CURRENT.terminateVmRequest, payload).encode(ImsgHeaderFormat.CURRENT);
        // type 18, len 16 + 76 = 92 (0x5c)
        assertEquals("12000000" + "5c000000" + zeros(8) + golden, HEX.formatHex(wire));
    }

    @Test
    void resetAllIsGolden() {
        byte[] wire = Imsg.of(VmdProtocol.IMSG_CTL_RESET, VmdMessages.intPayload(VmdProtocol.CONFIG_ALL))
                .encode(ImsgHeaderFormat.CURRENT);
        assertEquals("05000000" + "14000000" + zeros(8) + "ff000000", HEX.formatHex(wire));
    }

    @Test
    void loadSendsThePathWithItsNul() {
        assertArrayEquals(HEX.parseHex("2f6574632f766d2e636f6e6600"), VmdMessages.pathPayload("/etc/vm.conf"));
    }

    @Test
    void resultRoundTripsAndDecodesGoldenBytes() {
        VmdResult r = new VmdResult(0, 3, 4711, "ttyp5");
        assertEquals(r, current.decodeResult(current.result(r)));
        // vmr_result 1004 | vmr_id 2 | vmr_pid 0 | "" : vmd's "VM not running"
        byte[] golden = HEX.parseHex("ec030000" + "02000000" + "00000000" + zeros(16));
        assertEquals(new VmdResult(1004, 2, 0, ""), current.decodeResult(golden));
    }

    @Test
    void infoResultDecodesFieldsAtGccsOffsets() {
        byte[] b = new byte[200];
        ByteBuffer w = ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        w.putLong(0, 512L << 20); // vir_memory_size
        w.putLong(8, 100L << 20); // vir_used_size
        w.putLong(16, 1); // vir_ncpus
        w.putInt(88, 31337); // vir_creator_pid (24 + 64)
        w.putInt(92, 4); // vir_id
        w.put(96, "db".getBytes(StandardCharsets.UTF_8)); // vir_name
        w.put(160, "ttyp2".getBytes(StandardCharsets.UTF_8)); // vir_ttyname
        w.putInt(176, 1000); // vir_uid
        w.putLong(184, -1); // vir_gid
        w.putInt(192, VmdProtocol.VM_STATE_RUNNING | VmdProtocol.VM_STATE_PAUSED);
        VmdVmStatus s = current.decodeInfoResult(b);
        assertEquals(
                new VmdVmStatus(
                        4,
                        31337,
                        1,
                        512L << 20,
                        100L << 20,
                        "ttyp2",
                        1000,
                        -1,
                        VmdProtocol.VM_STATE_RUNNING | VmdProtocol.VM_STATE_PAUSED,
                        "db"),
                s);
        assertEquals("paused", s.stateText());
        assertEquals("/dev/ttyp2", s.ttyPath().orElseThrow());
        assertEquals(s, current.decodeInfoResult(current.infoResult(s)));
    }

    @Test
    void startFromSpecFillsVmopCreateParamsAsVmctlDoes() {
        VmStartRequest r = new VmStartRequest(
                "web1",
                1L << 30,
                1,
                List.of(new VmStartRequest.Disk("/var/vm/web1.qcow2", VmdProtocol.VMDF_QCOW2)),
                "/var/iso/install.iso",
                List.of("uplink", ""),
                true,
                VmdProtocol.VMBOOTDEV_CDROM,
                null);
        byte[] p = current.createParams(r);
        assertEquals(VmdProtocol.CURRENT.vmopCreateParams.size(), p.length);
        ByteBuffer b = ByteBuffer.wrap(p).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        // offsets from gcc (vmd_protocol.c): vcp_ncpus 8, vcp_memranges[0].vmr_size 32, vcp_name 528,
        // vmc_flags 2656, vmc_bootdevice 2664, vmc_ifflags 2668, vmc_ndisks 2688, vmc_disks 2696,
        // vmc_disktypes 6792, vmc_kernel 7848, vmc_nnics 7856, vmc_ifswitch 7928
        assertEquals(1, b.getLong(8));
        assertEquals(1, b.getLong(0));
        assertEquals(1L << 30, b.getLong(32));
        assertEquals('w', b.get(528));
        assertEquals(
                VmdProtocol.VMOP_CREATE_CPU
                        | VmdProtocol.VMOP_CREATE_MEMORY
                        | VmdProtocol.VMOP_CREATE_DISK
                        | VmdProtocol.VMOP_CREATE_CDROM
                        | VmdProtocol.VMOP_CREATE_NETWORK,
                b.getInt(2656));
        assertEquals(VmdProtocol.VMBOOTDEV_CDROM, b.getInt(2664));
        assertEquals(VmdProtocol.VMIFF_UP | VmdProtocol.VMIFF_LOCAL, b.getInt(2668));
        assertEquals(1, b.getLong(2688));
        assertEquals('/', b.get(2696));
        assertEquals(VmdProtocol.VMDF_QCOW2, b.getInt(6792));
        assertEquals(-1, b.getInt(7848));
        assertEquals(2, b.getLong(7856));
        assertEquals('u', b.get(7928));
        assertEquals(r, current.decodeCreateParams(p));
    }

    @Test
    void startByNameSetsOnlyTheNameAndNoKernelFd() {
        byte[] p = current.createParams(VmStartRequest.byName("db"));
        ByteBuffer b = ByteBuffer.wrap(p).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, b.getInt(2656), "no VMOP_CREATE_* flags");
        assertEquals(-1, b.getInt(7848));
        assertEquals(0, b.getLong(0));
    }

    @Test
    void channelReadsBackWhatItWroteAndReportsTruncation() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        WritableByteChannel out = Channels.newChannel(sink);
        Imsg a = Imsg.of(12, current.result(new VmdResult(0, 1, 2, "ttyp0")));
        Imsg b = Imsg.of(23, new byte[0]);
        ImsgChannel writer = new ImsgChannel(new Duplex(null, out), ImsgHeaderFormat.CURRENT);
        writer.send(a);
        writer.send(b);
        byte[] bytes = sink.toByteArray();
        ImsgChannel reader = new ImsgChannel(
                new Duplex(Channels.newChannel(new ByteArrayInputStream(bytes)), null), ImsgHeaderFormat.CURRENT);
        assertEquals(a, reader.receive());
        assertEquals(b, reader.receive());
        ImsgChannel truncated = new ImsgChannel(
                new Duplex(Channels.newChannel(new ByteArrayInputStream(java.util.Arrays.copyOf(bytes, 20))), null),
                ImsgHeaderFormat.CURRENT);
        ImsgException e = assertThrows(ImsgException.class, truncated::receive);
        assertTrue(e.getMessage().contains("middle"), e.getMessage());
    }

    /** A ByteChannel over separate read and write channels. */
    record Duplex(ReadableByteChannel in, WritableByteChannel out) implements java.nio.channels.ByteChannel {
        @Override
        public int read(ByteBuffer dst) throws java.io.IOException {
            return in.read(dst);
        }

        @Override
        public int write(ByteBuffer src) throws java.io.IOException {
            return out.write(src);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }
}
