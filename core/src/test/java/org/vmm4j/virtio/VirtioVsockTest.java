package org.vmm4j.virtio;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.virtio.VsockGuest.CREDIT_REQUEST;
import static org.vmm4j.virtio.VsockGuest.CREDIT_UPDATE;
import static org.vmm4j.virtio.VsockGuest.REQUEST;
import static org.vmm4j.virtio.VsockGuest.RESPONSE;
import static org.vmm4j.virtio.VsockGuest.RST;
import static org.vmm4j.virtio.VsockGuest.RW;
import static org.vmm4j.virtio.VsockGuest.SHUTDOWN;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.StateSection;
import org.vmm4j.VmmException;
import org.vmm4j.machine.StateEncoder;
import org.vmm4j.virtio.VsockGuest.Packet;

class VirtioVsockTest {
    private static final long CID = 42;
    private static final int GUEST_BUF = 256 * 1024;

    @TempDir
    Path dir;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private VirtioVsock vsock;
    private VsockGuest guest;

    private void start(long timeoutMillis) {
        vsock = new VirtioVsock(CID, dir.resolve("v.sock"), timeoutMillis);
        closing.add(vsock);
        guest = new VsockGuest(vsock, CID);
        guest.bringUpWithBuffers();
    }

    /** The device, and a driver that set it up but posted no buffer yet. */
    private void startWithoutBuffers() {
        vsock = new VirtioVsock(CID, dir.resolve("v.sock"));
        closing.add(vsock);
        guest = new VsockGuest(vsock, CID);
        guest.bringUp();
    }

    private void start() {
        start(VirtioVsock.DEFAULT_CONNECT_TIMEOUT_MILLIS);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private SocketChannel client() throws IOException {
        SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("v.sock")));
        closing.add(c);
        return c;
    }

    private ServerSocketChannel listen(int port) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(dir.resolve("v.sock_" + port)));
        closing.add(s);
        return s;
    }

    private static void write(SocketChannel c, String s) throws IOException {
        write(c, s.getBytes(US_ASCII));
    }

    private static void write(SocketChannel c, byte[] b) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
            c.write(buf);
        }
    }

    /** Reads one line (up to and without '\n'); null at end of stream. */
    private static String readLine(SocketChannel c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (c.read(one) < 0) {
                return out.size() == 0 ? null : out.toString(US_ASCII);
            }
            if (one.get(0) == '\n') {
                return out.toString(US_ASCII);
            }
            out.write(one.get(0));
        }
    }

    private static byte[] readExactly(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("end of stream after " + b.position() + " of " + n + " bytes");
            }
        }
        return b.array();
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    /** A host client connected through CONNECT/OK to guest port {@code port}; returns the REQUEST the guest saw. */
    private Packet hostConnect(SocketChannel c, int port, int guestBufAlloc) throws IOException {
        write(c, "CONNECT " + port + "\n");
        Packet req = guest.expect(REQUEST);
        guest.send(port, req.srcPort(), RESPONSE, guestBufAlloc, 0);
        assertEquals("OK " + Integer.toUnsignedString(req.srcPort()), readLine(c));
        return req;
    }

    @Test
    void configSpaceHoldsTheGuestCidAndTheEventBuffersAreHeld() throws Exception {
        vsock = new VirtioVsock(0x2345_6789L, dir.resolve("v.sock"));
        closing.add(vsock);
        guest = new VsockGuest(vsock, vsock.guestCid());
        assertEquals(19, guest.mmio.mmioRead(0x008, 4), "device ID");
        assertEquals(0x2345_6789L, guest.mmio.mmioRead(0x100, 4));
        assertEquals(0, guest.mmio.mmioRead(0x104, 4));
        assertEquals(0x2345_6789L, guest.mmio.mmioRead(0x100, 8));
        assertEquals(0x6789, guest.mmio.mmioRead(0x100, 2));
        assertEquals(0x23, guest.mmio.mmioRead(0x103, 1));
        assertEquals(5, vsock.guestCidReads());
        assertFalse(vsock.activated());
        guest.bringUp();
        guest.postBuffers(4, VsockGuest.QSIZE, VsockGuest.RX_BUF);
        assertTrue(vsock.activated());
        long end = System.nanoTime() + 5_000_000_000L;
        while (vsock.eventBuffers() < 4 && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertEquals(4, vsock.eventBuffers());
        assertEquals(0, guest.ev.usedIdx(), "the device sends no events");
        assertNull(guest.poll(100), "nothing for the guest without a connection");
    }

    @Test
    void refusesBadCidsAndAnExistingPath() throws IOException {
        Path p = dir.resolve("x.sock");
        assertThrows(IllegalArgumentException.class, () -> new VirtioVsock(2, p));
        assertThrows(IllegalArgumentException.class, () -> new VirtioVsock(0xffff_ffffL, p));
        Files.writeString(p, "");
        VmmException e = assertThrows(VmmException.class, () -> new VirtioVsock(3, p));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    }

    @Test
    void hostConnectsAndDataEchoesBothWays() throws Exception {
        start();
        SocketChannel c = client();
        write(c, "CONNECT 1234\n");
        Packet req = guest.expect(REQUEST);
        assertEquals(2, req.srcCid());
        assertEquals(CID, req.dstCid());
        assertEquals(1234, req.dstPort());
        assertTrue(req.srcPort() >= VirtioVsock.FIRST_LOCAL_PORT, "local port " + req.srcPort());
        assertEquals(1, req.type(), "stream");
        assertEquals(VirtioVsock.BUFFER_SIZE, req.bufAlloc());
        guest.send(1234, req.srcPort(), RESPONSE, GUEST_BUF, 0);
        assertEquals("OK " + req.srcPort(), readLine(c));

        write(c, "hello from the host");
        Packet data = guest.expect(RW);
        assertEquals(req.srcPort(), data.srcPort());
        assertEquals(1234, data.dstPort());
        assertEquals("hello from the host", new String(data.payload(), US_ASCII));

        byte[] big = pattern(50_000, 7);
        guest.send(1234, req.srcPort(), RW, 0, GUEST_BUF, data.len(), big);
        assertArrayEquals(big, readExactly(c, big.length));
        assertEquals(1, vsock.connectionCount());

        // the guest closes: SHUTDOWN with both flags; the host sees end of stream and the guest gets RST
        guest.send(1234, req.srcPort(), SHUTDOWN, 3, GUEST_BUF, data.len(), new byte[0]);
        assertNull(readLine(c));
        Packet rst = guest.expect(RST);
        assertEquals(1234, rst.dstPort());
        assertEquals(0, vsock.connectionCount());
    }

    @Test
    void aPausedDeviceDeliversNothingUntilResumed() throws Exception {
        start();
        SocketChannel c = client();
        Packet req = hostConnect(c, 77, GUEST_BUF);
        vsock.pause();
        write(c, "while paused");
        assertNull(guest.poll(300), "nothing reaches the guest while paused");
        vsock.resume();
        Packet data = guest.expect(RW);
        assertEquals(req.srcPort(), data.srcPort());
        assertEquals("while paused", new String(data.payload(), US_ASCII));
    }

    /**
     * A snapshot of a device with a host connection and four event buffers, restored onto another socket over the
     * same guest memory: the connection is gone, and the oldest event buffer carries a transport reset (id 0, 4
     * bytes) to the driver, once; the other three stay held; a new host client is connected through the new socket.
     */
    @Test
    void aRestoredDeviceSendsOneTransportResetAndServesItsNewSocket() throws Exception {
        start();
        guest.memory.fill(0x14000 - guest.memory.guestAddress(), 16 * 4, (byte) 0xff); // the event buffers
        awaitEventBuffers(vsock, 4);
        hostConnect(client(), 77, GUEST_BUF);
        assertEquals(1, vsock.connectionCount());
        vsock.pause();
        StateSection section = guest.mmio.saveState("virtio-mmio.0");

        Path other = dir.resolve("w.sock");
        VirtioVsock restored = new VirtioVsock(CID, other);
        closing.add(restored);
        VsockGuest after = guest.restoredOnto(restored, section);
        long end = System.nanoTime() + 5_000_000_000L;
        while (after.ev.usedIdx() == 0 && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertEquals(1, after.ev.usedIdx(), "one event");
        assertEquals(0, after.ev.usedId(0), "in the oldest event buffer");
        assertEquals(4, after.ev.usedLen(0));
        assertEquals(
                0, guest.memory.getInt(0x14000 - guest.memory.guestAddress()), "VIRTIO_VSOCK_EVENT_TRANSPORT_RESET");
        assertEquals(-1, guest.memory.getInt(0x14010 - guest.memory.guestAddress()), "the next buffer is not written");
        assertEquals(1, restored.transportResetsSent());
        awaitEventBuffers(restored, 3);
        assertEquals(0, restored.connectionCount(), "host connections are not carried");
        Thread.sleep(50);
        assertEquals(1, after.ev.usedIdx(), "the reset is sent once");

        SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(other));
        closing.add(c);
        write(c, "CONNECT 1234\n");
        Packet req = after.expect(REQUEST);
        assertEquals(1234, req.dstPort());
        after.send(1234, req.srcPort(), RESPONSE, GUEST_BUF, 0);
        assertEquals("OK " + req.srcPort(), readLine(c));
    }

    /** A driver that had posted no event buffer at the snapshot gets the transport reset in the first it posts. */
    @Test
    void theTransportResetWaitsForAnEventBuffer() throws Exception {
        startWithoutBuffers();
        guest.postBuffers(0, VsockGuest.QSIZE, VsockGuest.RX_BUF);
        vsock.pause();
        StateSection section = guest.mmio.saveState("virtio-mmio.0");

        VirtioVsock restored = new VirtioVsock(CID, dir.resolve("w.sock"));
        closing.add(restored);
        VsockGuest after = guest.restoredOnto(restored, section);
        Thread.sleep(100);
        assertEquals(0, after.ev.usedIdx(), "no buffer: nothing sent yet");
        after.ev.descriptor(5, 0x14000, 4, Rings.WRITE, 0);
        after.ev.publish(5);
        after.notify(2);
        long end = System.nanoTime() + 5_000_000_000L;
        while (after.ev.usedIdx() == 0 && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertEquals(5, after.ev.usedId(0));
        assertEquals(4, after.ev.usedLen(0));
        assertEquals(1, restored.transportResetsSent());
    }

    @Test
    void stateForAnotherCidOrDamagedIsRefusedByName() {
        vsock = new VirtioVsock(CID, dir.resolve("v.sock"));
        closing.add(vsock);
        byte[] state = vsock.saveState();
        VirtioVsock other = new VirtioVsock(CID + 1, dir.resolve("w.sock"));
        closing.add(other);
        IllegalArgumentException cid = assertThrows(IllegalArgumentException.class, () -> other.restoreState(state));
        assertTrue(cid.getMessage().contains("guest CID 42, not 43"), cid.getMessage());
        byte[] longer = Arrays.copyOf(state, state.length + 1);
        IllegalArgumentException trailing =
                assertThrows(IllegalArgumentException.class, () -> vsock.restoreState(longer));
        assertTrue(trailing.getMessage().contains("'virtio-vsock' has 1 bytes more"), trailing.getMessage());
        byte[] manyEvents = new StateEncoder("virtio-vsock", 1)
                .i64(CID)
                .bool(true)
                .i32(100_000)
                .toSection()
                .data();
        IllegalArgumentException events =
                assertThrows(IllegalArgumentException.class, () -> vsock.restoreState(manyEvents));
        assertTrue(events.getMessage().contains("event buffers held 100000"), events.getMessage());
    }

    private static void awaitEventBuffers(VirtioVsock device, int count) throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        while (device.eventBuffers() != count && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertEquals(count, device.eventBuffers(), "event buffers held");
    }

    @Test
    void bytesAfterTheConnectLineAreTheStreamsFirstBytes() throws Exception {
        start();
        SocketChannel c = client();
        write(c, "CONNECT 99\nearly");
        Packet req = guest.expect(REQUEST);
        guest.send(99, req.srcPort(), RESPONSE, GUEST_BUF, 0);
        assertEquals("OK " + req.srcPort(), readLine(c));
        assertEquals("early", new String(guest.expect(RW).payload(), US_ASCII));
    }

    @Test
    void theDeviceNeverSendsMoreThanTheGuestsCredit() throws Exception {
        start();
        SocketChannel c = client();
        Packet req = hostConnect(c, 80, 1000);
        byte[] sent = pattern(5000, 3);
        write(c, sent);

        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int fwd = 0;
        while (got.size() < sent.length) {
            int credit = 1000 - (got.size() - fwd);
            Packet p;
            while (credit > 0 && (p = guest.poll(2000)) != null) {
                if (p.op() == RW) {
                    assertTrue(p.len() <= credit, p.len() + " bytes sent with a credit of " + credit);
                    got.write(p.payload());
                    credit -= p.len();
                }
            }
            assertEquals(0, credit, "the device used the whole credit");
            // stalled now: nothing but a credit request comes
            Packet extra = guest.poll(150);
            assertTrue(extra == null || extra.op() == CREDIT_REQUEST, "after the credit ran out: " + extra);
            fwd = got.size(); // the guest read everything: it says so
            guest.send(80, req.srcPort(), CREDIT_UPDATE, 1000, fwd);
        }
        assertArrayEquals(sent, got.toByteArray());
    }

    @Test
    void aGuestThatDoesNotReadStopsTheHostsWritesInsteadOfGrowingABuffer() throws Exception {
        start();
        SocketChannel c = client();
        hostConnect(c, 81, 0); // no credit at all
        c.configureBlocking(false);
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        long written = 0;
        int idle = 0;
        while (idle < 50 && written < (64L << 20)) {
            chunk.clear();
            int n = c.write(chunk);
            written += n;
            idle = n == 0 ? idle + 1 : 0;
            if (n == 0) {
                Thread.sleep(2);
            }
        }
        assertTrue(written < (64L << 20), "the host could write " + written + " bytes");
        // the device holds at most BUFFER_SIZE of it; the rest is in the kernel's socket buffers
        Packet p;
        while ((p = guest.poll(100)) != null) {
            assertTrue(p.op() != RW, "no data without credit: " + p);
        }
    }

    @Test
    void aGuestSendingPastTheDevicesCreditIsReset() throws Exception {
        start();
        SocketChannel c = client(); // the host never reads
        Packet req = hostConnect(c, 82, GUEST_BUF);
        byte[] chunk = pattern(VsockGuest.TX_PAYLOAD_MAX, 1);
        int sent = 0;
        while (vsock.connectionCount() == 1 && sent < 2000) {
            guest.send(82, req.srcPort(), RW, 0, GUEST_BUF, 0, chunk);
            sent++;
        }
        assertEquals(0, vsock.connectionCount(), "the connection ended after " + sent + " packets");
        Packet rst = guest.expect(RST);
        assertEquals(req.srcPort(), rst.srcPort());
        assertEquals(0, guest.status() & VsockGuest.NEEDS_RESET);
    }

    @Test
    void guestConnectsToSocketUnderscorePortAndDataEchoes() throws Exception {
        start();
        ServerSocketChannel server = listen(5000);
        guest.send(777, 5000, REQUEST, GUEST_BUF, 0);
        Packet resp = guest.expect(RESPONSE);
        assertEquals(5000, resp.srcPort());
        assertEquals(777, resp.dstPort());
        assertEquals(CID, resp.dstCid());
        SocketChannel host = server.accept();
        closing.add(host);

        byte[] up = pattern(10_000, 5);
        guest.send(777, 5000, RW, 0, GUEST_BUF, 0, up);
        assertArrayEquals(up, readExactly(host, up.length));
        write(host, "pong");
        assertEquals("pong", new String(guest.expect(RW).payload(), US_ASCII));

        // the host closes: the guest learns the host sends no more, then closes its side and gets RST
        host.close();
        Packet shut = guest.expect(SHUTDOWN);
        assertEquals(2, shut.flags() & 2, "SHUTDOWN_F_SEND");
        guest.send(777, 5000, SHUTDOWN, 3, GUEST_BUF, 4, new byte[0]);
        guest.expect(RST);
        assertEquals(0, vsock.connectionCount());
    }

    @Test
    void guestShutdownOfSendingIsAHalfClose() throws Exception {
        start();
        ServerSocketChannel server = listen(5001);
        guest.send(778, 5001, REQUEST, GUEST_BUF, 0);
        guest.expect(RESPONSE);
        SocketChannel host = server.accept();
        closing.add(host);
        guest.send(778, 5001, RW, 0, GUEST_BUF, 0, "last words".getBytes(US_ASCII));
        guest.send(778, 5001, SHUTDOWN, 2, GUEST_BUF, 0, new byte[0]);
        assertEquals("last words", new String(readExactly(host, 10), US_ASCII));
        assertEquals(-1, host.read(ByteBuffer.allocate(1)), "end of stream after the guest's bytes");
        write(host, "still heard");
        assertEquals("still heard", new String(guest.expect(RW).payload(), US_ASCII));
        assertEquals(1, vsock.connectionCount());
    }

    @Test
    void aHostClientThatClosesEndsTheStreamAndTheGuestsNextBytesGetRst() throws Exception {
        start();
        SocketChannel c = client();
        Packet req = hostConnect(c, 16, GUEST_BUF);
        write(c, "bye");
        c.close();
        assertEquals("bye", new String(guest.expect(RW).payload(), US_ASCII), "the bytes before the close arrive");
        Packet shut = guest.expect(SHUTDOWN);
        assertEquals(2, shut.flags() & 2, "SHUTDOWN_F_SEND");
        assertEquals(1, vsock.connectionCount(), "half closed: the guest may still send");
        guest.send(16, req.srcPort(), RW, 0, GUEST_BUF, 3, "anyone?".getBytes(US_ASCII));
        Packet rst = guest.expect(RST);
        assertEquals(req.srcPort(), rst.srcPort());
        assertEquals(0, vsock.connectionCount());
    }

    @Test
    void connectionsPastTheLimitAreRefused() throws Exception {
        start(30_000);
        for (int i = 0; i < VirtioVsock.MAX_CONNECTIONS; i++) {
            client();
        }
        long end = System.nanoTime() + 5_000_000_000L;
        while (vsock.connectionCount() < VirtioVsock.MAX_CONNECTIONS && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertEquals(VirtioVsock.MAX_CONNECTIONS, vsock.connectionCount());
        SocketChannel extra = client();
        long t0 = System.nanoTime();
        assertNull(readLine(extra), "one more host client is closed");
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "at once, not by the 30 s timeout");
        ServerSocketChannel server = listen(5000);
        server.configureBlocking(false);
        guest.send(1, 5000, REQUEST, GUEST_BUF, 0);
        assertEquals(1, guest.expect(RST).dstPort(), "and so is a guest request");
        assertNull(server.accept(), "without connecting to the host");
        assertEquals(VirtioVsock.MAX_CONNECTIONS, vsock.connectionCount());
    }

    @Test
    void aRefusedGuestConnectIsReset() throws Exception {
        start();
        guest.send(779, 6000, REQUEST, GUEST_BUF, 0);
        Packet rst = guest.expect(RST);
        assertEquals(6000, rst.srcPort());
        assertEquals(779, rst.dstPort());
        assertEquals(0, vsock.connectionCount());
    }

    @Test
    void aGuestResetClosesTheHostClientAndSoDoesATimeout() throws Exception {
        start(300);
        SocketChannel c = client();
        write(c, "CONNECT 1\n");
        Packet req = guest.expect(REQUEST);
        guest.send(1, req.srcPort(), RST, 0, 0);
        assertNull(readLine(c), "closed without OK");
        assertEquals(1, vsock.resetsFromGuest());

        SocketChannel d = client();
        write(d, "CONNECT 2\n");
        Packet req2 = guest.expect(REQUEST);
        long t0 = System.nanoTime();
        assertNull(readLine(d), "closed after the timeout");
        assertTrue(System.nanoTime() - t0 > 200_000_000L, "not before the timeout");
        Packet rst = guest.expect(RST);
        assertEquals(req2.srcPort(), rst.srcPort());

        SocketChannel e = client();
        write(e, "HELLO 3\n");
        assertNull(readLine(e), "a bad line is closed");
        assertEquals(0, vsock.connectionCount());
    }

    @Test
    void resetClosesEveryConnectionAndStopsTheThread() throws Exception {
        start();
        SocketChannel c = client();
        hostConnect(c, 10, GUEST_BUF);
        ServerSocketChannel server = listen(5002);
        guest.send(700, 5002, REQUEST, GUEST_BUF, 0);
        guest.expect(RESPONSE);
        SocketChannel host = server.accept();
        closing.add(host);
        Thread thread = vsock.deviceThread();
        assertTrue(thread.isAlive());
        assertEquals(2, vsock.connectionCount());

        guest.reset();
        assertFalse(thread.isAlive(), "the device thread stopped");
        assertEquals(0, vsock.connectionCount());
        assertNull(readLine(c));
        assertEquals(-1, host.read(ByteBuffer.allocate(1)));
        assertTrue(Files.exists(dir.resolve("v.sock")), "the listener stays over a reset");

        // and the device works again after the driver brings it up anew
        guest = new VsockGuest(vsock, CID);
        guest.bringUpWithBuffers();
        SocketChannel again = client();
        hostConnect(again, 11, GUEST_BUF);
    }

    @Test
    void closeRemovesTheSocketFileAndLeaksNoDescriptor() throws Exception {
        long before = openFds();
        Path path = dir.resolve("v.sock");
        VirtioVsock v = new VirtioVsock(CID, path);
        guest = new VsockGuest(v, CID);
        vsock = v;
        guest.bringUpWithBuffers();
        assertTrue(Files.exists(path));
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(path));
                ServerSocketChannel server = listen(5003)) {
            hostConnect(c, 12, GUEST_BUF);
            guest.send(701, 5003, REQUEST, GUEST_BUF, 0);
            guest.expect(RESPONSE);
            try (SocketChannel host = server.accept()) {
                assertEquals(2, v.connectionCount());
                v.close();
                assertNull(readLine(c));
                assertEquals(-1, host.read(ByteBuffer.allocate(1)));
            }
        }
        closing.clear();
        Files.deleteIfExists(dir.resolve("v.sock_5003"));
        assertFalse(Files.exists(path), "the socket file is removed");
        assertEquals(before, openFds(), "every descriptor closed");
    }

    @Test
    void hostilePacketsAreDroppedOrResetAndTheDeviceGoesOn() throws Exception {
        start();
        // another CID: dropped, no answer
        guest.sendRaw(CID + 1, 2, 1, 5000, 0, 1, REQUEST, 0, GUEST_BUF, 0, new byte[0], VsockGuest.HDR);
        // shorter than a header: dropped
        guest.sendRaw(CID, 2, 1, 5000, 0, 1, REQUEST, 0, GUEST_BUF, 0, new byte[0], 20);
        // len beyond the buffers: dropped and reset
        guest.sendRaw(CID, 2, 2, 5000, 1 << 20, 1, RW, 0, GUEST_BUF, 0, new byte[10], VsockGuest.HDR);
        assertEquals(3, vsock.droppedPackets());
        Packet rst = guest.expect(RST);
        assertEquals(2, rst.dstPort());
        // data and credit for no connection: reset
        guest.send(3, 5000, RW, 0, GUEST_BUF, 0, new byte[] {1, 2, 3});
        assertEquals(3, guest.expect(RST).dstPort());
        // another destination CID, another type: reset
        guest.sendRaw(CID, 7, 4, 5000, 0, 1, REQUEST, 0, GUEST_BUF, 0, new byte[0], VsockGuest.HDR);
        assertEquals(4, guest.expect(RST).dstPort());
        guest.sendRaw(CID, 2, 5, 5000, 0, 2, REQUEST, 0, GUEST_BUF, 0, new byte[0], VsockGuest.HDR);
        assertEquals(5, guest.expect(RST).dstPort());
        // an unknown op on a live connection: that connection is reset
        SocketChannel c = client();
        Packet req = hostConnect(c, 13, GUEST_BUF);
        guest.send(13, req.srcPort(), 99, GUEST_BUF, 0);
        assertEquals(13, guest.expect(RST).dstPort());
        assertNull(readLine(c));
        // a RESPONSE nobody asked for
        guest.send(14, 5000, RESPONSE, GUEST_BUF, 0);
        assertEquals(14, guest.expect(RST).dstPort());
        assertNull(guest.poll(100), "only one answer per packet; the dropped ones got none");

        assertEquals(0, guest.status() & VsockGuest.NEEDS_RESET);
        SocketChannel d = client();
        hostConnect(d, 15, GUEST_BUF);
        assertEquals(1, vsock.connectionCount());
    }

    @Test
    void anRxBufferTooSmallForAHeaderNeedsAReset() throws Exception {
        startWithoutBuffers();
        guest.postBuffers(0, 2, 20);
        guest.send(1, 6000, REQUEST, GUEST_BUF, 0); // refused: the device wants to send RST
        long end = System.nanoTime() + 5_000_000_000L;
        while ((guest.status() & VsockGuest.NEEDS_RESET) == 0 && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertEquals(VsockGuest.NEEDS_RESET, guest.status() & VsockGuest.NEEDS_RESET);
        assertEquals(0, guest.rx.usedIdx());
    }

    @Test
    void theDataPathAllocatesNothingInSteadyState() throws Exception {
        start();
        ServerSocketChannel server = listen(5004);
        guest.send(702, 5004, REQUEST, GUEST_BUF, 0);
        guest.expect(RESPONSE);
        SocketChannel host = server.accept();
        closing.add(host);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = vsock.deviceThread().getId();
        byte[] up = pattern(1000, 9);
        ByteBuffer down = ByteBuffer.wrap(pattern(1000, 11));
        ByteBuffer in = ByteBuffer.allocate(1000);
        int[] fwd = {0};
        Runnable roundTrip = () -> {
            try {
                guest.send(702, 5004, RW, 0, GUEST_BUF, fwd[0], up);
                in.clear();
                while (in.hasRemaining()) {
                    host.read(in);
                }
                down.clear();
                host.write(down);
                int got = 0;
                while (got < 1000) {
                    Packet p = guest.receive(5000);
                    if (p.op() == RW) {
                        got += p.len();
                    }
                }
                fwd[0] += got;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        };
        for (int i = 0; i < 3000; i++) {
            roundTrip.run();
        }
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) { // best of three: a JIT transition allocates once
            long before = threads.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 1000; i++) {
                roundTrip.run();
            }
            allocated = Math.min(allocated, threads.getThreadAllocatedBytes(tid) - before);
        }
        assertArrayEquals(up, in.array());
        assertTrue(allocated < 1024, "1,000 round trips allocated " + allocated + " bytes on the device thread");
    }

    @Test
    void aNotificationAllocatesNothing() {
        start();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++) {
            vsock.queueNotified(1);
        }
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            long before = threads.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 10_000; i++) {
                vsock.queueNotified(1);
            }
            allocated = Math.min(allocated, threads.getThreadAllocatedBytes(tid) - before);
        }
        assertNotNull(vsock.deviceThread());
        assertTrue(allocated < 1024, "10,000 notifications allocated " + allocated + " bytes");
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
