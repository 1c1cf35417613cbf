package org.vmm4j.virtio;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.GuestMemory;
import org.vmm4j.StateSection;
import org.vmm4j.VmmException;
import org.vmm4j.machine.StateDecoder;
import org.vmm4j.machine.StateEncoder;
import org.vmm4j.virtio.VsockConnection.State;

/**
 * The virtio socket device (device ID 19, virtio 1.x section 5.10): stream sockets between the guest
 * and host programs, carried over Unix domain sockets in Firecracker's hybrid scheme and compatible
 * with it.
 *
 * <ul>
 *   <li>The guest's address is {@code guest_cid} in the configuration space; the host is CID 2.
 *       Queues: rx 0, tx 1, event 2. Stream sockets only (no feature bits).
 *   <li>Host-initiated: the device listens on {@code socket}. A host program connects and writes
 *       {@code CONNECT <port>\n}; the device sends OP_REQUEST to guest port {@code <port>} from a local
 *       port of its own (from 2^30 up) and, on the guest's OP_RESPONSE, answers {@code OK <local port>\n};
 *       then the stream is the connection. On OP_RST, on a malformed line or when the guest does not
 *       answer in time, the device closes the host program's socket.
 *   <li>Guest-initiated: an OP_REQUEST to host port {@code P} connects to {@code <socket>_<P>}
 *       (a listener the host program made); success is answered OP_RESPONSE, failure OP_RST.
 *   <li>Credit flow control both ways: the device never sends the guest more payload than its
 *       {@code buf_alloc - (tx_cnt - fwd_cnt)}, and announces {@link #BUFFER_SIZE} as its own
 *       {@code buf_alloc}; a guest that sends past that gets OP_RST. Each connection holds at most
 *       twice {@link #BUFFER_SIZE} bytes; the device stops reading a host socket whose bytes the guest
 *       does not take, and the host program's writes block.
 *   <li>OP_SHUTDOWN passes on as {@code shutdown(2)} of the host socket once the guest's bytes are
 *       written; both flags end the connection with OP_RST, as Linux expects. The host's end of stream
 *       becomes OP_SHUTDOWN(SEND) once its bytes reached the guest; a host socket error becomes OP_RST.
 * </ul>
 *
 * <p>Threads: all socket I/O and all queue work runs on one device thread of its own, started on
 * activation, around a {@link Selector}. {@link #queueNotified} only records which queue was notified
 * and wakes that thread, so a vCPU never waits for a socket and no connection state is shared
 * between threads (no locks on the data path). {@link #reset} and {@link #close} stop the thread and
 * wait for it, then close every connection (the guest's sockets see them reset); close also closes
 * the listener and removes its socket file.
 *
 * <p>A hostile guest: packets from another CID, too short to hold a header or with a {@code len}
 * beyond their buffers are dropped and logged; unknown ops, packets for unknown connections and
 * credit violations are answered with OP_RST; an rx buffer too small for a header or a broken queue
 * sets DEVICE_NEEDS_RESET. Nothing is thrown at the notifying thread. In steady state the data path
 * allocates nothing: payloads are copied through each connection's two buffers.
 *
 * <p>Events: the device holds the event buffers the driver posts and uses one only for
 * VIRTIO_VSOCK_EVENT_TRANSPORT_RESET, which it owes the driver after a snapshot is restored ({@link
 * #restoreState}): host connections are not carried into a snapshot.
 */
public final class VirtioVsock implements VirtioDevice {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioVsock.class);

    /** The virtio device ID of a socket device. */
    public static final int DEVICE_ID = 19;
    /** The size of each queue. */
    public static final int QUEUE_SIZE = 256;
    /** The lowest guest CID (0 to 2 are reserved: hypervisor, local, host). */
    public static final long MIN_GUEST_CID = 3;
    /** The highest guest CID: Linux keeps CIDs in 32 bits and 0xffffffff is VMADDR_CID_ANY. */
    public static final long MAX_GUEST_CID = 0xffff_fffeL;
    /**
     * Each connection's buffer in each direction, and the {@code buf_alloc} the device announces: the
     * most guest bytes waiting for the host socket, and the most host bytes waiting for the guest.
     */
    public static final int BUFFER_SIZE = 64 * 1024;
    /** The most connections at once; more are refused (host clients closed, guest requests reset). */
    public static final int MAX_CONNECTIONS = 256;
    /** How long a host client has to send its {@code CONNECT} line, and the guest to answer OP_REQUEST. */
    public static final long DEFAULT_CONNECT_TIMEOUT_MILLIS = 2000;
    /** The first local port of host-initiated connections (Firecracker's choice too). */
    static final int FIRST_LOCAL_PORT = 1 << 30;

    private static final int EVENT_QUEUE = 2;
    private static final int RX_QUEUE = 0;
    private static final int TX_QUEUE = 1;
    /** The longest {@code CONNECT <port>\n} line accepted. */
    private static final int MAX_CONNECT_LINE = 32;

    private static final byte[] CONNECT = "CONNECT ".getBytes(StandardCharsets.US_ASCII);
    /** struct virtio_vsock_event: le32 id, VIRTIO_VSOCK_EVENT_TRANSPORT_RESET = 0 (virtio 1.2 section 5.10.6.6). */
    private static final byte[] TRANSPORT_RESET_EVENT = new byte[4];

    private static final String STATE_NAME = "virtio-vsock";
    private static final int STATE_VERSION = 1;
    /** Hostile-guest messages logged at WARN per activation; the rest go to DEBUG. */
    private static final int WARNINGS = 16;

    private final long guestCid;
    private final Path socket;
    private final long connectTimeoutNanos;
    private final Selector selector;
    private final ServerSocketChannel listener;

    // written by vCPU threads, read by the device thread
    private final AtomicBoolean rxNotified = new AtomicBoolean();
    private final AtomicBoolean txNotified = new AtomicBoolean();
    private final AtomicBoolean eventNotified = new AtomicBoolean();

    private final AtomicLong guestCidReads = new AtomicLong();
    /** guest_cid (le64). */
    private final ConfigSpace config = new ConfigSpace(8);

    private final AtomicLong packetsToGuest = new AtomicLong();
    private final AtomicLong packetsFromGuest = new AtomicLong();
    private final AtomicLong resetsFromGuest = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong transportResets = new AtomicLong();
    private volatile int connectionCount;
    private volatile int eventBufferCount;
    private volatile boolean activated;
    private volatile boolean stopping;
    private boolean closed;
    private Thread worker;
    private final Object reportLock = new Object();
    /** Guards {@link #pauseWanted} and {@link #workerParked}; a paused device thread waits on it. */
    private final Object pauseGate = new Object();

    private boolean pauseWanted;
    private boolean workerParked;

    // owned by the device thread while it runs (set up by activate before it starts)
    private Virtqueue rx;
    private Virtqueue tx;
    private Virtqueue event;
    private DescriptorChain rxChain;
    private DescriptorChain txChain;
    private DescriptorChain eventChain;
    private boolean rxHeld;
    /** The event buffers held, oldest first: head, and the guest region, address and length of its writable buffer. */
    private int[] eventHeads = new int[0];

    private int[] eventRegions = new int[0];
    private long[] eventAddresses = new long[0];
    private long[] eventLengths = new long[0];
    private int eventHeld;
    /** A transport reset is owed to the driver (after a restore). */
    private boolean resetOwed;
    /** What a restore put back for the next activation, under this object's lock. */
    private boolean restoredActive;

    private int restoredEvents;
    private VirtioTransport transport;
    private final VsockConnection[] connections = new VsockConnection[MAX_CONNECTIONS];
    private int connectionsUsed;
    private int roundRobin;
    private int nextLocalPort = FIRST_LOCAL_PORT;
    /** OP_RST packets owed for connections the device no longer has: host port and guest port. */
    private final int[] rstHostPorts = new int[2 * MAX_CONNECTIONS];

    private final int[] rstGuestPorts = new int[2 * MAX_CONNECTIONS];
    private int rstHead;
    private int rstCount;
    private final byte[] header = new byte[VsockHeader.SIZE];
    private SelectionKey[] ready = new SelectionKey[16];
    private int readyCount;
    private final Consumer<SelectionKey> collect = this::collect;
    private int warnings;

    /**
     * Returns {@code guestCid} if a guest may have it.
     *
     * @throws IllegalArgumentException if it is not from {@link #MIN_GUEST_CID} to {@link #MAX_GUEST_CID}
     */
    public static long checkGuestCid(long guestCid) {
        if (guestCid < MIN_GUEST_CID || guestCid > MAX_GUEST_CID) {
            throw new IllegalArgumentException(
                    "the guest CID must be from " + MIN_GUEST_CID + " to " + MAX_GUEST_CID + ": " + guestCid);
        }
        return guestCid;
    }

    /**
     * A socket device for the guest with CID {@code guestCid}, listening on {@code socket} (a path
     * that must not exist yet; it is made now and removed by {@link #close}).
     *
     * @throws IllegalArgumentException if {@code guestCid} is not from {@link #MIN_GUEST_CID} to
     *         {@link #MAX_GUEST_CID} or {@code socket} is null
     * @throws VmmException if the socket cannot be made (it exists, its directory does not, the path is
     *         too long for a Unix socket)
     */
    public VirtioVsock(long guestCid, Path socket) {
        this(guestCid, socket, DEFAULT_CONNECT_TIMEOUT_MILLIS);
    }

    /**
     * As {@link #VirtioVsock(long, Path)}, with {@code connectTimeoutMillis} for a host client's
     * {@code CONNECT} line and for the guest's answer to OP_REQUEST.
     */
    public VirtioVsock(long guestCid, Path socket, long connectTimeoutMillis) {
        checkGuestCid(guestCid);
        if (socket == null) {
            throw new IllegalArgumentException("the vsock socket path is required");
        }
        if (connectTimeoutMillis <= 0) {
            throw new IllegalArgumentException("the connect timeout must be positive: " + connectTimeoutMillis);
        }
        this.guestCid = guestCid;
        config.put(0, 8, guestCid);
        this.socket = socket;
        this.connectTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis);
        if (Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new VmmException(
                    "the vsock socket " + socket + " already exists (left by an earlier run? remove it)");
        }
        Selector s = null;
        ServerSocketChannel l = null;
        try {
            s = Selector.open();
            l = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            l.bind(UnixDomainSocketAddress.of(socket));
            l.configureBlocking(false);
            l.register(s, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            closeQuietly(l);
            closeQuietly(s);
            throw new VmmException("cannot listen on the vsock socket " + socket + ": " + e.getMessage(), e);
        }
        this.selector = s;
        this.listener = l;
    }

    /** The guest's CID. */
    public long guestCid() {
        return guestCid;
    }

    /** The Unix socket the device listens on; guest-initiated connections go to {@code <socket>_<port>}. */
    public Path socket() {
        return socket;
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long features() {
        return 0; // stream sockets only: no VIRTIO_VSOCK_F_SEQPACKET
    }

    @Override
    public int queueCount() {
        return 3;
    }

    @Override
    public int queueMaxSize(int index) {
        return QUEUE_SIZE;
    }

    @Override
    public long readConfig(long offset, int size) {
        guestCidReads.incrementAndGet();
        return config.read(offset, size);
    }

    @Override
    public void writeConfig(long offset, int size, long value) {
        // guest_cid is read-only for the driver
    }

    @Override
    public synchronized void activate(Virtqueue[] queues, long features, VirtioTransport transport) {
        if (closed) {
            throw new IllegalStateException("the vsock device is closed");
        }
        if (!queues[RX_QUEUE].ready() || !queues[TX_QUEUE].ready()) {
            throw new IllegalStateException("the driver did not enable the vsock rx and tx queues");
        }
        stopWorker();
        this.rx = queues[RX_QUEUE];
        this.tx = queues[TX_QUEUE];
        this.event = queues[EVENT_QUEUE].ready() ? queues[EVENT_QUEUE] : null;
        this.rxChain = rx.newChain();
        this.txChain = tx.newChain();
        this.eventChain = event == null ? null : event.newChain();
        int events = event == null ? 0 : event.size();
        this.eventHeads = new int[events];
        this.eventRegions = new int[events];
        this.eventAddresses = new long[events];
        this.eventLengths = new long[events];
        this.eventBufferCount = 0;
        this.eventHeld = 0;
        this.resetOwed = restoredActive;
        if (restoredEvents > 0) {
            if (event == null) {
                throw new IllegalStateException("the restored device held " + restoredEvents
                        + " event buffers; the event queue is not enabled");
            }
            event.unpop(restoredEvents, "the restored device's held event buffers");
        }
        restoredActive = false;
        restoredEvents = 0;
        this.rxHeld = false;
        this.transport = transport;
        this.warnings = 0;
        rxNotified.set(true);
        txNotified.set(true);
        eventNotified.set(true);
        synchronized (reportLock) {
            stopping = false;
        }
        Thread t = new Thread(this::run, "vmm4j-vsock-" + guestCid);
        t.setDaemon(true);
        worker = t;
        activated = true;
        t.start();
        selector.wakeup(); // its first select looks at the queues (a restored device has buffers and a reset to send)
    }

    /**
     * Records the notification and wakes the device thread, which does the work: nothing here
     * blocks, allocates or throws.
     */
    @Override
    public void queueNotified(int index) {
        switch (index) {
            case RX_QUEUE -> rxNotified.set(true);
            case TX_QUEUE -> txNotified.set(true);
            case EVENT_QUEUE -> eventNotified.set(true);
            default -> {
                return;
            }
        }
        selector.wakeup();
    }

    /** Stops the device thread and resets every connection; the listener stays. */
    @Override
    public synchronized void reset() {
        stopWorker();
        activated = false;
        restoredActive = false;
        restoredEvents = 0;
        rx = null;
        tx = null;
        event = null;
        transport = null;
    }

    /** Stops the device thread, closes every connection and the listener, and removes the socket file. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopWorker();
        activated = false;
        closeQuietly(listener);
        closeQuietly(selector);
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("cannot remove the vsock socket {}: {}", socket, e.toString());
        }
    }

    private void stopWorker() {
        Thread t = worker;
        if (t == null) {
            return;
        }
        synchronized (reportLock) {
            stopping = true;
        }
        selector.wakeup();
        synchronized (pauseGate) {
            pauseGate.notifyAll(); // a paused device thread stops too
        }
        // joined even while it reports a broken queue: the transport's needsReset takes no lock
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        worker = null;
    }

    /** Whether the driver has set DRIVER_OK since the last reset. */
    public boolean activated() {
        return activated;
    }

    /** How many times the driver read {@code guest_cid}. */
    public long guestCidReads() {
        return guestCidReads.get();
    }

    /** The connections open now (in any state). */
    public int connectionCount() {
        return connectionCount;
    }

    /** The event-queue buffers the driver has posted and the device holds (for a transport reset). */
    public int eventBuffers() {
        return eventBufferCount;
    }

    /** Packets put on the rx queue since the device was made. */
    public long packetsToGuest() {
        return packetsToGuest.get();
    }

    /** Packets taken from the tx queue since the device was made. */
    public long packetsFromGuest() {
        return packetsFromGuest.get();
    }

    /** OP_RST packets the guest sent. */
    public long resetsFromGuest() {
        return resetsFromGuest.get();
    }

    /** The transport resets sent to the guest's driver (one after each restore of an active device). */
    public long transportResetsSent() {
        return transportResets.get();
    }

    /** How long a host client has for its {@code CONNECT} line, and the guest for its answer, in ms. */
    public long connectTimeoutMillis() {
        return TimeUnit.NANOSECONDS.toMillis(connectTimeoutNanos);
    }

    /** Guest packets dropped as malformed (too short, another CID, {@code len} beyond the buffers). */
    public long droppedPackets() {
        return dropped.get();
    }

    /** The device thread, while the device is active (for tests that measure its allocation). */
    Thread deviceThread() {
        return worker;
    }

    /**
     * Lets the device thread finish its round (socket reads, queue work) and wait: nothing reaches the guest
     * until {@link #resume()}; what the host sends meanwhile waits in the sockets.
     */
    @Override
    public void pause() {
        synchronized (pauseGate) {
            pauseWanted = true;
        }
        Thread t = worker;
        if (t == null) {
            return;
        }
        selector.wakeup();
        long deadline = System.nanoTime() + 10_000_000_000L;
        synchronized (pauseGate) {
            while (!workerParked && !stopping && t.isAlive() && System.nanoTime() < deadline) {
                try {
                    pauseGate.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void resume() {
        synchronized (pauseGate) {
            pauseWanted = false;
            pauseGate.notifyAll();
        }
        selector.wakeup();
    }

    private void parkWhilePaused() {
        synchronized (pauseGate) {
            while (pauseWanted && !stopping) {
                workerParked = true;
                pauseGate.notifyAll();
                try {
                    pauseGate.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            workerParked = false;
        }
    }

    // ---------------------------------------------------------------- the device thread

    private void run() {
        String failure = null;
        try {
            while (!stopping) {
                parkWhilePaused();
                if (stopping) {
                    break;
                }
                readyCount = 0;
                selector.select(collect, selectTimeoutMillis());
                if (stopping) {
                    break;
                }
                for (int i = 0; i < readyCount; i++) {
                    handleReady(ready[i]);
                    ready[i] = null;
                }
                if (eventNotified.getAndSet(false)) {
                    collectEventBuffers();
                }
                if (resetOwed && eventHeld > 0) {
                    sendTransportReset();
                }
                if (txNotified.getAndSet(false)) {
                    processTx();
                }
                expireDeadlines();
                rxNotified.set(false);
                fillRx();
            }
        } catch (VirtqueueException e) {
            failure = "vsock: " + e.getMessage();
        } catch (IOException | RuntimeException e) {
            failure = "vsock device thread failed: " + e;
        } finally {
            closeAll();
            try {
                // a closed channel keeps its fd until its key leaves the selector: flush the cancelled keys now
                selector.selectNow(key -> {});
            } catch (IOException | RuntimeException e) {
                LOG.debug("vsock: flushing closed connections failed: {}", e.toString());
            }
        }
        if (failure != null) {
            giveUp(failure); // the last thing this thread does: see stopWorker
        }
    }

    /** Reports a broken queue, unless the device is stopping (then the driver is resetting it anyway). */
    private void giveUp(String reason) {
        VirtioTransport t;
        synchronized (reportLock) {
            if (stopping) {
                LOG.debug("{} (while stopping)", reason);
                return;
            }
            t = transport;
        }
        if (t != null) {
            t.needsReset(reason);
        } else {
            LOG.warn(reason);
        }
    }

    private void collect(SelectionKey key) {
        if (readyCount == ready.length) {
            ready = Arrays.copyOf(ready, ready.length * 2);
        }
        ready[readyCount++] = key;
    }

    private long selectTimeoutMillis() {
        long earliest = 0;
        boolean any = false;
        for (int i = 0; i < connectionsUsed; i++) {
            long d = connections[i].deadline;
            if (d != 0 && (!any || d - earliest < 0)) {
                earliest = d;
                any = true;
            }
        }
        if (!any) {
            return 0; // no deadline: wait for I/O or a wakeup
        }
        long left = TimeUnit.NANOSECONDS.toMillis(earliest - System.nanoTime());
        return Math.max(1, left + 1);
    }

    private void expireDeadlines() {
        long now = System.nanoTime();
        for (int i = 0; i < connectionsUsed; i++) {
            VsockConnection c = connections[i];
            if (c.deadline != 0 && now - c.deadline >= 0) {
                warn("{} timed out", c);
                // a host client still waiting for its line or the guest's answer; the guest may have half a connection
                kill(c, c.state != State.AWAIT_CONNECT_LINE);
                i--; // kill moved the last connection into slot i
            }
        }
    }

    private void handleReady(SelectionKey key) throws IOException {
        if (!key.isValid()) {
            return;
        }
        if (!(key.attachment() instanceof VsockConnection c)) {
            acceptHostClients(); // the listener's key has no attachment
            return;
        }
        if (!key.equals(c.key)) {
            return; // killed earlier in this round
        }
        if (key.isConnectable()) {
            finishConnectToHost(c);
            return;
        }
        if (key.isWritable() && !flushToHost(c)) {
            return;
        }
        if (key.isReadable()) {
            readFromHost(c);
        }
    }

    // ---------------------------------------------------------------- host side

    private void acceptHostClients() throws IOException {
        SocketChannel ch;
        while ((ch = listener.accept()) != null) {
            if (connectionsUsed == MAX_CONNECTIONS) {
                warn("vsock: {} connections open; host client refused", MAX_CONNECTIONS);
                closeQuietly(ch);
                continue;
            }
            VsockConnection c = new VsockConnection(ch, State.AWAIT_CONNECT_LINE, BUFFER_SIZE);
            c.deadline = deadline();
            ch.configureBlocking(false);
            c.key = ch.register(selector, SelectionKey.OP_READ, c);
            add(c);
        }
    }

    private long deadline() {
        long d = System.nanoTime() + connectTimeoutNanos;
        return d == 0 ? 1 : d;
    }

    private void readFromHost(VsockConnection c) {
        ByteBuffer b = c.toGuest;
        int n;
        try {
            n = b.hasRemaining() ? c.channel.read(b) : 0;
        } catch (IOException e) {
            LOG.debug("{}: read failed: {}", c, e.toString());
            kill(c, c.state != State.AWAIT_CONNECT_LINE);
            return;
        }
        if (c.state == State.AWAIT_CONNECT_LINE) {
            if (n < 0) {
                kill(c, false);
            } else {
                parseConnectLine(c);
            }
            return;
        }
        if (n < 0) {
            c.hostEof = true;
        }
        refresh(c);
    }

    /** Takes {@code CONNECT <port>\n} from the front of the buffer; what follows it is the stream's first bytes. */
    private void parseConnectLine(VsockConnection c) {
        ByteBuffer b = c.toGuest;
        byte[] a = b.array();
        int base = b.arrayOffset();
        int end = -1;
        for (int i = 0; i < b.position(); i++) {
            if (a[base + i] == '\n') {
                end = i;
                break;
            }
        }
        if (end < 0) {
            if (b.position() >= MAX_CONNECT_LINE) {
                warn("vsock: a host client sent no CONNECT line in its first {} bytes; closed", MAX_CONNECT_LINE);
                kill(c, false);
            }
            return;
        }
        long port = parseConnect(a, base, end);
        if (port < 0) {
            warn(
                    "vsock: a host client sent {} instead of CONNECT <port>; closed",
                    new String(a, base, end, StandardCharsets.US_ASCII).strip());
            kill(c, false);
            return;
        }
        b.flip().position(end + 1);
        b.compact();
        c.guestPort = (int) port;
        c.hostPort = allocateLocalPort(c.guestPort);
        c.state = State.REQUEST_TO_GUEST;
        c.owed |= VsockConnection.SEND_REQUEST;
        c.deadline = deadline();
        updateInterest(c);
    }

    /** The port of {@code CONNECT <port>} in {@code a[base, base + end)}, or -1. */
    private static long parseConnect(byte[] a, int base, int end) {
        byte[] prefix = CONNECT;
        if (end > 0 && a[base + end - 1] == '\r') {
            end--;
        }
        if (end <= prefix.length || end > prefix.length + 10) {
            return -1;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (a[base + i] != prefix[i]) {
                return -1;
            }
        }
        long port = 0;
        for (int i = prefix.length; i < end; i++) {
            byte d = a[base + i];
            if (d < '0' || d > '9') {
                return -1;
            }
            port = port * 10 + (d - '0');
        }
        return port > 0xffff_ffffL ? -1 : port;
    }

    private int allocateLocalPort(int guestPort) {
        while (true) {
            int p = nextLocalPort;
            nextLocalPort = p == Integer.MAX_VALUE ? FIRST_LOCAL_PORT : p + 1;
            if (find(p, guestPort) == null) {
                return p;
            }
        }
    }

    /** Writes what the guest sent to the host socket; false if that killed the connection. */
    private boolean flushToHost(VsockConnection c) {
        ByteBuffer b = c.toHost;
        if (b.position() > 0) {
            int n;
            b.flip();
            try {
                n = c.channel.write(b);
            } catch (IOException e) {
                b.compact();
                LOG.debug("{}: write failed: {}", c, e.toString());
                kill(c, true);
                return false;
            }
            b.compact();
            int own = Math.min(n, c.ownBytes);
            c.ownBytes -= own;
            c.fwdCnt += n - own;
            if (c.fwdCnt - c.announcedFwdCnt >= BUFFER_SIZE / 4) {
                c.owed |= VsockConnection.SEND_CREDIT_UPDATE;
            }
        }
        if (b.position() == 0 && (c.guestShutdown & VsockHeader.SHUTDOWN_SEND) != 0) {
            if ((c.guestShutdown & VsockHeader.SHUTDOWN_RECEIVE) != 0) {
                kill(c, true); // the guest closed: it waits for our RST
                return false;
            }
            try {
                c.channel.shutdownOutput();
            } catch (IOException e) {
                LOG.debug("{}: shutdown failed: {}", c, e.toString());
            }
        }
        updateInterest(c);
        return true;
    }

    private void finishConnectToHost(VsockConnection c) {
        try {
            if (!c.channel.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            LOG.debug("{}: connect failed: {}", c, e.toString());
            kill(c, true);
            return;
        }
        established(c);
        c.owed |= VsockConnection.SEND_RESPONSE;
        updateInterest(c);
    }

    private void established(VsockConnection c) {
        c.state = State.ESTABLISHED;
        c.deadline = 0;
    }

    /** After bytes moved: what the connection owes the guest and which host events it waits for. */
    private void refresh(VsockConnection c) {
        if (c.state != State.ESTABLISHED) {
            updateInterest(c);
            return;
        }
        if ((c.guestShutdown & VsockHeader.SHUTDOWN_RECEIVE) != 0) {
            c.toGuest.clear(); // the guest reads no more: drop what the host sent
        }
        if (c.hostEof && c.toGuest.position() == 0 && !c.shutdownSent) {
            c.owed |= VsockConnection.SEND_SHUTDOWN;
        }
        if (c.toGuest.position() > 0 && c.peerCredit() == 0 && !c.creditRequested) {
            c.owed |= VsockConnection.SEND_CREDIT_REQUEST;
        }
        updateInterest(c);
    }

    private void updateInterest(VsockConnection c) {
        if (c.key == null || !c.key.isValid()) {
            return;
        }
        int ops = 0;
        boolean reading = c.state == State.AWAIT_CONNECT_LINE
                || (c.state == State.ESTABLISHED
                        && !c.hostEof
                        && (c.guestShutdown & VsockHeader.SHUTDOWN_RECEIVE) == 0);
        if (reading && c.toGuest.hasRemaining()) {
            ops |= SelectionKey.OP_READ;
        }
        if (c.toHost.position() > 0) {
            ops |= SelectionKey.OP_WRITE;
        }
        if (c.state == State.CONNECTING_TO_HOST) {
            ops |= SelectionKey.OP_CONNECT;
        }
        if (c.key.interestOps() != ops) {
            c.key.interestOps(ops);
        }
    }

    // ---------------------------------------------------------------- connections

    private VsockConnection find(int hostPort, int guestPort) {
        for (int i = 0; i < connectionsUsed; i++) {
            VsockConnection c = connections[i];
            if (c.hostPort == hostPort && c.guestPort == guestPort && c.state != State.AWAIT_CONNECT_LINE) {
                return c;
            }
        }
        return null;
    }

    private void add(VsockConnection c) {
        connections[connectionsUsed++] = c;
        connectionCount = connectionsUsed;
    }

    /** Closes the host socket and forgets the connection; with {@code rst}, the guest is sent OP_RST. */
    private void kill(VsockConnection c, boolean rst) {
        c.key = null;
        for (int i = 0; i < connectionsUsed; i++) {
            if (connections[i] == c) {
                connections[i] = connections[--connectionsUsed];
                connections[connectionsUsed] = null;
                break;
            }
        }
        connectionCount = connectionsUsed; // before the close, which the host program may be waiting for
        closeQuietly(c.channel);
        if (rst) {
            oweRst(c.hostPort, c.guestPort);
        }
    }

    private void oweRst(int hostPort, int guestPort) {
        if (rstCount == rstHostPorts.length) {
            warn("vsock: too many resets owed to the guest; one for host port {} dropped", hostPort);
            return;
        }
        int at = (rstHead + rstCount) % rstHostPorts.length;
        rstHostPorts[at] = hostPort;
        rstGuestPorts[at] = guestPort;
        rstCount++;
    }

    private void closeAll() {
        while (connectionsUsed > 0) {
            kill(connections[connectionsUsed - 1], false);
        }
        rstCount = 0;
        rstHead = 0;
        readyCount = 0;
        Arrays.fill(ready, null);
    }

    // ---------------------------------------------------------------- tx: the guest's packets

    private void processTx() {
        boolean any = false;
        while (tx.pop(txChain)) {
            handlePacket();
            tx.addUsed(txChain.head(), 0);
            packetsFromGuest.incrementAndGet();
            any = true;
        }
        if (any) {
            transport.usedBuffers(TX_QUEUE);
        }
    }

    private void handlePacket() {
        DescriptorChain ch = txChain;
        if (ch.readableBytes() < VsockHeader.SIZE) {
            drop("a tx packet of " + ch.readableBytes() + " bytes is shorter than the header");
            return;
        }
        gather(tx.ram(), ch, 0, header, 0, VsockHeader.SIZE);
        long srcCid = VsockHeader.getLong(header, VsockHeader.SRC_CID);
        long dstCid = VsockHeader.getLong(header, VsockHeader.DST_CID);
        int srcPort = VsockHeader.getInt(header, VsockHeader.SRC_PORT);
        int dstPort = VsockHeader.getInt(header, VsockHeader.DST_PORT);
        long len = VsockHeader.getInt(header, VsockHeader.LEN) & 0xffff_ffffL;
        int type = VsockHeader.getShort(header, VsockHeader.TYPE);
        int op = VsockHeader.getShort(header, VsockHeader.OP);
        if (srcCid != guestCid) {
            drop("a tx packet from CID " + srcCid + ", not the guest's " + guestCid);
            return;
        }
        if (len > ch.readableBytes() - VsockHeader.SIZE) {
            drop("a tx packet's len " + len + " is beyond its " + (ch.readableBytes() - VsockHeader.SIZE)
                    + " payload bytes");
            VsockConnection c = find(dstPort, srcPort);
            if (c != null) {
                kill(c, true);
            } else if (op != VsockHeader.OP_RST) {
                oweRst(dstPort, srcPort);
            }
            return;
        }
        VsockConnection c = find(dstPort, srcPort);
        if (op == VsockHeader.OP_RST) {
            resetsFromGuest.incrementAndGet();
            if (c != null) {
                LOG.debug("{}: reset by the guest", c);
                kill(c, false);
            }
            return;
        }
        if (dstCid != VsockHeader.HOST_CID || type != VsockHeader.TYPE_STREAM) {
            warn("vsock: {} to CID {} type {} refused (only CID 2, stream)", VsockHeader.opName(op), dstCid, type);
            resetOrReply(c, dstPort, srcPort);
            return;
        }
        if (op == VsockHeader.OP_REQUEST) {
            if (c != null) {
                warn("vsock: a second REQUEST for {}", c);
                kill(c, true);
            } else {
                connectToHost(dstPort, srcPort);
                c = find(dstPort, srcPort);
            }
            if (c != null) {
                takeCredit(c);
            }
            return;
        }
        if (c == null) {
            LOG.debug(
                    "vsock: {} for no connection (host port {}, guest port {}); reset",
                    VsockHeader.opName(op),
                    Integer.toUnsignedString(dstPort),
                    Integer.toUnsignedString(srcPort));
            oweRst(dstPort, srcPort);
            return;
        }
        takeCredit(c);
        switch (op) {
            case VsockHeader.OP_RESPONSE -> onResponse(c);
            case VsockHeader.OP_RW -> onData(c, (int) len);
            case VsockHeader.OP_SHUTDOWN -> onShutdown(c);
            case VsockHeader.OP_CREDIT_UPDATE -> refresh(c);
            case VsockHeader.OP_CREDIT_REQUEST -> c.owed |= VsockConnection.SEND_CREDIT_UPDATE;
            default -> {
                warn("vsock: unknown op {} for {}; reset", op, c);
                kill(c, true);
            }
        }
    }

    private void resetOrReply(VsockConnection c, int dstPort, int srcPort) {
        if (c != null) {
            kill(c, true);
        } else {
            oweRst(dstPort, srcPort);
        }
    }

    private void takeCredit(VsockConnection c) {
        c.peerBufAlloc = VsockHeader.getInt(header, VsockHeader.BUF_ALLOC);
        c.peerFwdCnt = VsockHeader.getInt(header, VsockHeader.FWD_CNT);
        c.creditRequested = false;
    }

    private void connectToHost(int hostPort, int guestPort) {
        if (connectionsUsed == MAX_CONNECTIONS) {
            warn("vsock: {} connections open; the guest's request for port {} reset", MAX_CONNECTIONS, hostPort);
            oweRst(hostPort, guestPort);
            return;
        }
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.configureBlocking(false);
            VsockConnection c = new VsockConnection(ch, State.CONNECTING_TO_HOST, BUFFER_SIZE);
            c.hostPort = hostPort;
            c.guestPort = guestPort;
            boolean done = ch.connect(UnixDomainSocketAddress.of(socket + "_" + Integer.toUnsignedString(hostPort)));
            c.key = ch.register(selector, 0, c);
            add(c);
            if (done) {
                established(c);
                c.owed |= VsockConnection.SEND_RESPONSE;
            } else {
                c.deadline = deadline();
            }
            updateInterest(c);
        } catch (IOException | RuntimeException e) {
            LOG.debug(
                    "vsock: the guest's connect to {}_{} failed: {}",
                    socket,
                    Integer.toUnsignedString(hostPort),
                    e.toString());
            closeQuietly(ch);
            oweRst(hostPort, guestPort);
        }
    }

    private void onResponse(VsockConnection c) {
        if (c.state != State.REQUEST_TO_GUEST || (c.owed & VsockConnection.SEND_REQUEST) != 0) {
            warn("vsock: a RESPONSE out of turn for {}; reset", c);
            kill(c, true);
            return;
        }
        established(c);
        // "OK <port>\n" goes ahead of the guest's bytes; it is not theirs, so fwd_cnt does not count it
        ByteBuffer b = c.toHost;
        int start = b.position();
        b.put((byte) 'O').put((byte) 'K').put((byte) ' ');
        putDecimal(b, c.hostPort & 0xffff_ffffL);
        b.put((byte) '\n');
        c.ownBytes = b.position() - start;
        if (flushToHost(c)) {
            refresh(c);
        }
    }

    private static void putDecimal(ByteBuffer b, long value) {
        long div = 1;
        while (value / div >= 10) {
            div *= 10;
        }
        for (; div > 0; div /= 10) {
            b.put((byte) ('0' + (value / div) % 10));
        }
    }

    private void onData(VsockConnection c, int len) {
        if (c.state != State.ESTABLISHED || (c.guestShutdown & VsockHeader.SHUTDOWN_SEND) != 0) {
            warn("vsock: data for {} that cannot take it; reset", c);
            kill(c, true);
            return;
        }
        ByteBuffer b = c.toHost;
        if ((long) b.position() - c.ownBytes + len > BUFFER_SIZE) {
            warn("vsock: {} bytes for {} beyond the credit the device gave; reset", len, c);
            kill(c, true);
            return;
        }
        if (len == 0) {
            return;
        }
        gather(tx.ram(), txChain, VsockHeader.SIZE, b.array(), b.arrayOffset() + b.position(), len);
        b.position(b.position() + len);
        flushToHost(c);
    }

    private void onShutdown(VsockConnection c) {
        c.guestShutdown |= VsockHeader.getInt(header, VsockHeader.FLAGS)
                & (VsockHeader.SHUTDOWN_RECEIVE | VsockHeader.SHUTDOWN_SEND);
        if ((c.guestShutdown & VsockHeader.SHUTDOWN_RECEIVE) != 0 && c.channel.isOpen()) {
            try {
                c.channel.shutdownInput();
            } catch (IOException e) {
                LOG.debug("{}: shutdown failed: {}", c, e.toString());
            }
        }
        if (c.state != State.ESTABLISHED) {
            kill(c, true);
            return;
        }
        if (flushToHost(c)) {
            refresh(c);
        }
    }

    // ---------------------------------------------------------------- rx: packets for the guest

    private void fillRx() {
        boolean any = false;
        while (true) {
            VsockConnection c = null;
            if (rstCount == 0) {
                c = nextWithWork();
                if (c == null) {
                    break;
                }
            }
            if (!rxHeld) {
                if (!rx.pop(rxChain)) {
                    break;
                }
                rxHeld = true;
                if (rxChain.readableCount() > 0 || rxChain.writableBytes() < VsockHeader.SIZE) {
                    throw new IllegalStateException("rx buffer " + rxChain + " is not " + VsockHeader.SIZE
                            + " or more device-writable bytes only");
                }
            }
            int used = c == null ? sendRst() : send(c);
            rx.addUsed(rxChain.head(), used);
            rxHeld = false;
            packetsToGuest.incrementAndGet();
            any = true;
        }
        if (any) {
            transport.usedBuffers(RX_QUEUE);
        }
    }

    private VsockConnection nextWithWork() {
        int n = connectionsUsed;
        for (int k = 0; k < n; k++) {
            int i = (roundRobin + k) % n;
            VsockConnection c = connections[i];
            if (hasWork(c)) {
                roundRobin = i + 1;
                return c;
            }
        }
        return null;
    }

    private static boolean hasWork(VsockConnection c) {
        if (c.state == State.AWAIT_CONNECT_LINE || c.state == State.CONNECTING_TO_HOST) {
            return false;
        }
        if (c.owed != 0) {
            return true;
        }
        return c.state == State.ESTABLISHED && c.toGuest.position() > 0 && c.peerCredit() > 0;
    }

    private int sendRst() {
        int at = rstHead;
        rstHead = (rstHead + 1) % rstHostPorts.length;
        rstCount--;
        VsockHeader.put(header, guestCid, rstHostPorts[at], rstGuestPorts[at], 0, VsockHeader.OP_RST, 0, 0, 0);
        scatter(header, 0, VsockHeader.SIZE, 0);
        return VsockHeader.SIZE;
    }

    /** Puts the connection's next packet in the rx chain held; returns the used length. */
    private int send(VsockConnection c) {
        int op;
        int flags = 0;
        int len = 0;
        if ((c.owed & VsockConnection.SEND_REQUEST) != 0) {
            op = VsockHeader.OP_REQUEST;
            c.owed &= ~VsockConnection.SEND_REQUEST;
        } else if ((c.owed & VsockConnection.SEND_RESPONSE) != 0) {
            op = VsockHeader.OP_RESPONSE;
            c.owed &= ~VsockConnection.SEND_RESPONSE;
        } else if (c.state == State.ESTABLISHED && c.toGuest.position() > 0 && c.peerCredit() > 0) {
            long room = rxChain.writableBytes() - VsockHeader.SIZE;
            len = (int) Math.min(Math.min(room, BUFFER_SIZE), Math.min(c.toGuest.position(), c.peerCredit()));
            op = len > 0 ? VsockHeader.OP_RW : VsockHeader.OP_CREDIT_UPDATE;
        } else if ((c.owed & VsockConnection.SEND_SHUTDOWN) != 0) {
            op = VsockHeader.OP_SHUTDOWN;
            flags = VsockHeader.SHUTDOWN_SEND;
            c.shutdownSent = true;
            c.owed &= ~VsockConnection.SEND_SHUTDOWN;
        } else if ((c.owed & VsockConnection.SEND_CREDIT_REQUEST) != 0) {
            op = VsockHeader.OP_CREDIT_REQUEST;
            c.creditRequested = true;
            c.owed &= ~VsockConnection.SEND_CREDIT_REQUEST;
        } else {
            op = VsockHeader.OP_CREDIT_UPDATE;
        }
        // every packet carries the device's credit
        c.owed &= ~VsockConnection.SEND_CREDIT_UPDATE;
        c.announcedFwdCnt = c.fwdCnt;
        VsockHeader.put(header, guestCid, c.hostPort, c.guestPort, len, op, flags, BUFFER_SIZE, c.fwdCnt);
        scatter(header, 0, VsockHeader.SIZE, 0);
        if (len > 0) {
            ByteBuffer b = c.toGuest;
            scatter(b.array(), b.arrayOffset(), len, VsockHeader.SIZE);
            b.flip().position(len);
            b.compact();
            c.txCnt += len;
            refresh(c);
        }
        return VsockHeader.SIZE + len;
    }

    /**
     * Takes the event buffers the driver posted, up to the queue's size: the ones held are always the last ones
     * taken, which a restore gives back by moving the queue's position back over them.
     */
    private void collectEventBuffers() {
        if (event == null) {
            return;
        }
        while (eventHeld < eventHeads.length && event.pop(eventChain)) {
            int w = eventChain.readableCount();
            eventHeads[eventHeld] = eventChain.head();
            eventLengths[eventHeld] = w < eventChain.count() ? eventChain.length(w) : 0;
            eventRegions[eventHeld] = w < eventChain.count() ? eventChain.region(w) : 0;
            eventAddresses[eventHeld] = w < eventChain.count() ? eventChain.address(w) : 0;
            eventHeld++;
        }
        eventBufferCount = eventHeld;
    }

    /**
     * Puts VIRTIO_VSOCK_EVENT_TRANSPORT_RESET (id 0, a le32) in the oldest event buffer held; one without four
     * device-writable bytes in its first writable descriptor is handed back unused, and the next one is tried.
     */
    private void sendTransportReset() {
        boolean any = false;
        while (resetOwed && eventHeld > 0) {
            int head = eventHeads[0];
            int region = eventRegions[0];
            long address = eventAddresses[0];
            long length = eventLengths[0];
            eventHeld--;
            System.arraycopy(eventHeads, 1, eventHeads, 0, eventHeld);
            System.arraycopy(eventRegions, 1, eventRegions, 0, eventHeld);
            System.arraycopy(eventAddresses, 1, eventAddresses, 0, eventHeld);
            System.arraycopy(eventLengths, 1, eventLengths, 0, eventHeld);
            any = true;
            if (length < TRANSPORT_RESET_EVENT.length) {
                warn("vsock: event buffer {} has {} device-writable bytes, not 4; handed back unused", head, length);
                event.addUsed(head, 0);
                continue;
            }
            GuestMemory memory = event.ram().region(region);
            memory.write(address - memory.guestAddress(), TRANSPORT_RESET_EVENT, 0, TRANSPORT_RESET_EVENT.length);
            event.addUsed(head, TRANSPORT_RESET_EVENT.length);
            resetOwed = false;
            transportResets.incrementAndGet();
        }
        eventBufferCount = eventHeld;
        if (any) {
            transport.usedBuffers(EVENT_QUEUE);
        }
    }

    // ---------------------------------------------------------------- guest memory

    /** Copies {@code len} bytes of the chain's readable buffers, from byte {@code from} on, into {@code dst}. */
    private static void gather(GuestRam ram, DescriptorChain ch, long from, byte[] dst, int at, int len) {
        for (int i = 0; i < ch.readableCount() && len > 0; i++) {
            long l = ch.length(i);
            if (from >= l) {
                from -= l;
                continue;
            }
            int n = (int) Math.min(l - from, len);
            var region = ram.region(ch.region(i));
            region.read(ch.address(i) - region.guestAddress() + from, dst, at, n);
            at += n;
            len -= n;
            from = 0;
        }
    }

    /** Copies {@code len} bytes of {@code src} into the held rx chain's writable buffers, from byte {@code from} on. */
    private void scatter(byte[] src, int at, int len, long from) {
        DescriptorChain ch = rxChain;
        GuestRam ram = rx.ram();
        for (int i = ch.readableCount(); i < ch.count() && len > 0; i++) {
            long l = ch.length(i);
            if (from >= l) {
                from -= l;
                continue;
            }
            int n = (int) Math.min(l - from, len);
            var region = ram.region(ch.region(i));
            region.write(ch.address(i) - region.guestAddress() + from, src, at, n);
            at += n;
            len -= n;
            from = 0;
        }
    }

    // ---------------------------------------------------------------- logging and closing

    private void drop(String what) {
        dropped.incrementAndGet();
        warn("vsock: {}; dropped", what);
    }

    private void warn(String format, Object... args) {
        if (warnings < WARNINGS) {
            warnings++;
            LOG.warn(format, args);
        } else {
            LOG.debug(format, args);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            LOG.debug("closing {} failed: {}", c, e.toString());
        }
    }

    @Override
    public String toString() {
        return "virtio-vsock[guest CID " + guestCid + ", " + socket + "]";
    }

    /**
     * The guest CID (checked on restore), whether the driver had the device active, and how many event buffers the
     * device held. Host connections are not saved: a Unix socket cannot be carried into another process or
     * restored twice. Called with the device {@linkplain #pause() paused}.
     *
     * @throws IllegalStateException if the device thread did not stop for the pause
     */
    @Override
    public synchronized byte[] saveState() {
        synchronized (pauseGate) {
            Thread t = worker;
            if (t != null && t.isAlive() && !workerParked) {
                throw new IllegalStateException(this + ": the device thread did not stop for the snapshot");
            }
            return new StateEncoder(STATE_NAME, STATE_VERSION)
                    .i64(guestCid)
                    .bool(activated)
                    .i32(eventHeld)
                    .toSection()
                    .data();
        }
    }

    /**
     * Takes back what {@link #saveState} saved, for the activation the transport makes next: the event buffers the
     * device held are given back to the event queue (its available index moved back over them; the driver still
     * has them posted), and if the driver had the device active, the device owes it a transport reset: the
     * connections its sockets had are gone. The reset goes out as soon as an event buffer is there.
     *
     * @throws IllegalArgumentException if the state is damaged, of another layout or for another guest CID
     */
    @Override
    public synchronized void restoreState(byte[] state) {
        StateDecoder in = new StateDecoder(new StateSection(STATE_NAME, state), STATE_NAME, STATE_VERSION);
        long savedCid = in.i64();
        if (savedCid != guestCid) {
            throw new IllegalArgumentException("state section '" + STATE_NAME + "' is for guest CID "
                    + Long.toUnsignedString(savedCid) + ", not " + guestCid);
        }
        boolean wasActive = in.bool();
        int held = in.i32("event buffers held", 0, QUEUE_SIZE);
        in.end();
        restoredActive = wasActive;
        restoredEvents = wasActive ? held : 0;
    }
}
