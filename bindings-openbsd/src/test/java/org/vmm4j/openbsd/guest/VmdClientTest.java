package org.vmm4j.openbsd.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link VmdClient} against {@link VmdStandIn} over a real UNIX socket. */
class VmdClientTest {
    @TempDir
    Path dir;

    private VmdStandIn vmd;
    private VmdClient client;

    private void start(VmdProtocol protocol) throws Exception {
        vmd = new VmdStandIn(dir, protocol.release());
        client = new VmdClient(vmd.socket, protocol);
    }

    @AfterEach
    void close() throws Exception {
        if (vmd != null) {
            vmd.close();
        }
    }

    @Test
    void startByNameStopGracefullyAndStatusFlow() throws Exception {
        start(VmdProtocol.CURRENT);
        vmd.define("web1", 512L << 20);
        VmdResult r = client.start(VmStartRequest.byName("web1"));
        assertTrue(r.pid() > 0);
        assertEquals("ttyp0", r.tty());
        VmdVmStatus s = client.status("web1").orElseThrow();
        assertTrue(s.running());
        assertEquals(512L << 20, s.maxMemory());
        assertEquals("/dev/ttyp0", client.consoleTty("web1").orElseThrow());
        client.stop("web1", VmdClient.StopMode.GRACEFUL, false);
        assertFalse(client.status("web1").orElseThrow().running());
        assertTrue(client.consoleTty("web1").isEmpty());
    }

    @Test
    void startFromSpecReachesVmdWithItsDisksAndSwitches() throws Exception {
        start(VmdProtocol.CURRENT);
        Path disk = Files.createFile(dir.resolve("d.qcow2"));
        client.start(new VmStartRequest(
                "new1",
                1L << 30,
                1,
                List.of(new VmStartRequest.Disk(disk.toString(), VmdProtocol.VMDF_QCOW2)),
                null,
                List.of("uplink"),
                false,
                VmdProtocol.VMBOOTDEV_AUTO,
                null));
        VmdWire.Create seen = vmd.wire.createParams(vmd.received.get(0).payload());
        assertEquals("new1", seen.name());
        assertEquals(1L << 30, seen.memory());
        assertEquals(1, seen.vcpus());
        assertEquals("uplink", seen.switches()[0]);
        assertEquals(disk.toString(), seen.disks()[0]);
        assertEquals(VmdWire.VMDF_QCOW2, seen.diskTypes()[0]);
        assertTrue(client.status("new1").orElseThrow().running());
    }

    @Test
    void missingDiskIsReportedWithVmdsCode() throws Exception {
        start(VmdProtocol.CURRENT);
        VmdException e = assertThrows(
                VmdException.class,
                () -> client.start(new VmStartRequest(
                        "x",
                        1L << 30,
                        1,
                        List.of(new VmStartRequest.Disk("/nonexistent/x.img", VmdProtocol.VMDF_RAW)),
                        null,
                        List.of(),
                        false,
                        0,
                        null)));
        assertEquals(VmdProtocol.VMD_DISK_MISSING, e.result());
        assertTrue(e.getMessage().contains("disk"), e.getMessage());
    }

    @Test
    void stoppingAStoppedVmIsStopInvalidAndUnknownIsEnoent() throws Exception {
        start(VmdProtocol.CURRENT);
        vmd.define("idle", 1 << 20);
        assertEquals(
                VmdProtocol.VMD_VM_STOP_INVALID,
                assertThrows(VmdException.class, () -> client.stop("idle", VmdClient.StopMode.GRACEFUL, false))
                        .result());
        VmdException e = assertThrows(VmdException.class, () -> client.stop("ghost", VmdClient.StopMode.FORCE, false));
        assertEquals(2, e.result());
        assertEquals(2, e.errno());
    }

    @Test
    void stopWithWaitReturnsOnlyAfterTheTerminateEvent() throws Exception {
        start(VmdProtocol.CURRENT);
        vmd.define("db", 1 << 20);
        client.start(VmStartRequest.byName("db"));
        client.stop("db", VmdClient.StopMode.FORCE, true);
        assertFalse(client.status("db").orElseThrow().running());
    }

    @Test
    void pauseAndUnpauseChangeTheState() throws Exception {
        start(VmdProtocol.CURRENT);
        vmd.define("p", 1 << 20);
        client.start(VmStartRequest.byName("p"));
        client.pause("p");
        assertEquals("paused", client.status("p").orElseThrow().stateText());
        client.unpause("p");
        assertEquals("running", client.status("p").orElseThrow().stateText());
    }

    @Test
    void ctlFailWithErrnoBecomesVmdException() throws Exception {
        start(VmdProtocol.CURRENT);
        vmd.define("p", 1 << 20);
        vmd.fault = VmdStandIn.Fault.CTL_FAIL;
        VmdException e = assertThrows(VmdException.class, () -> client.start(VmStartRequest.byName("p")));
        assertEquals(13, e.errno());
    }

    @Test
    void vmdClosingMidReplyIsAClearError() throws Exception {
        start(VmdProtocol.CURRENT);
        vmd.define("a", 1 << 20);
        vmd.define("b", 1 << 20);
        vmd.fault = VmdStandIn.Fault.CLOSE_MID_REPLY;
        ImsgException e = assertThrows(ImsgException.class, () -> client.status());
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertEquals(2, client.status().size(), "the next command works on a new connection");
    }

    @Test
    void reloadAndResetAreSentWithTheirTypes() throws Exception {
        start(VmdProtocol.CURRENT);
        client.reload();
        client.reset(VmdProtocol.CONFIG_SWITCHES);
        client.load(Path.of("/etc/vm.extra.conf"));
        vmd.awaitReceived(3);
        assertEquals(vmd.wire.reload, vmd.received.get(0).type());
        assertEquals(VmdWire.IMSG_CTL_RESET, vmd.received.get(1).type());
        assertEquals(0x02, vmd.received.get(1).data().getInt(), "CONFIG_SWITCHES");
        assertEquals(vmd.wire.load, vmd.received.get(2).type());
        assertEquals("/etc/vm.extra.conf\0", new String(vmd.received.get(2).payload(), StandardCharsets.UTF_8));
    }

    @Test
    void legacyProtocolSpeaksTheSameFlowWithItsOwnNumbers() throws Exception {
        start(VmdProtocol.OPENBSD_7_4);
        vmd.define("old", 1 << 20);
        client.start(VmStartRequest.byName("old"));
        assertEquals(1, client.status().size());
        client.stop("old", VmdClient.StopMode.GRACEFUL, false);
        assertEquals(vmd.wire.terminateVmRequest, vmd.received.get(2).type());
        assertTrue(vmd.received.stream().noneMatch(VmdWire.Message::fdMark));
        assertTrue(VmdProtocol.OPENBSD_7_4.terminateVmRequest != VmdProtocol.CURRENT.terminateVmRequest);
    }

    @Test
    void refusesUnsafeNamesBeforeConnecting() throws Exception {
        start(VmdProtocol.CURRENT);
        assertThrows(IllegalArgumentException.class, () -> client.stop("a;b", VmdClient.StopMode.FORCE, false));
        assertThrows(IllegalArgumentException.class, () -> client.pause("-x"));
        assertTrue(vmd.received.isEmpty());
    }

    @Test
    void stopAllStopsOnlyRunningVmsById() throws Exception {
        start(VmdProtocol.CURRENT);
        vmd.define("a", 1 << 20);
        vmd.define("b", 1 << 20);
        vmd.define("c", 1 << 20);
        client.start(VmStartRequest.byName("a"));
        client.start(VmStartRequest.byName("c"));
        assertEquals(List.of("a", "c"), client.stopAll(VmdClient.StopMode.FORCE, true));
        assertTrue(client.status().stream().noneMatch(VmdVmStatus::running));
    }

    @Test
    void logLevelIsSentAsCtlVerbose() throws Exception {
        start(VmdProtocol.CURRENT);
        client.setVerboseLogging(true);
        vmd.awaitReceived(1);
        assertEquals(VmdWire.IMSG_CTL_VERBOSE, vmd.received.get(0).type());
        assertEquals(2, vmd.received.get(0).data().getInt());
    }

    @Test
    void noVmdIsAClearConnectError() {
        VmdClient none = new VmdClient(dir.resolve("absent.sock"), VmdProtocol.CURRENT);
        assertFalse(none.answers());
        ImsgException e = assertThrows(ImsgException.class, none::status);
        assertTrue(e.getMessage().contains("rcctl start vmd"), e.getMessage());
    }
}
