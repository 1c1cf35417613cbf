package org.vmm4j.virtio;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One stream between a guest port and a host Unix socket, owned by {@link VirtioVsock}'s device
 * thread (nothing here is thread-safe). Its two buffers are allocated once, with the connection, and
 * bound what it holds: {@link #toHost} the guest's bytes not yet written to the host socket (its
 * capacity is the {@code buf_alloc} announced to the guest, so a guest that keeps to its credit never
 * overflows it), {@link #toGuest} the host's bytes not yet sent to the guest (the device stops reading
 * the host socket while it is full). Both are kept in fill mode: the data is {@code [0, position)}.
 */
final class VsockConnection {
    /** Where the connection is in its life. */
    enum State {
        /** A host client connected to the device's socket; its {@code CONNECT <port>\n} is awaited. */
        AWAIT_CONNECT_LINE,
        /** The device sent (or will send) OP_REQUEST for the host client; the guest's OP_RESPONSE is awaited. */
        REQUEST_TO_GUEST,
        /** The guest asked for a host port; the connect to {@code <socket>_<port>} is in progress. */
        CONNECTING_TO_HOST,
        /** Data flows both ways. */
        ESTABLISHED
    }

    /** Control packets owed to the guest, sent as rx buffers come. */
    static final int SEND_REQUEST = 1;

    static final int SEND_RESPONSE = 2;
    static final int SEND_SHUTDOWN = 4;
    static final int SEND_CREDIT_UPDATE = 8;
    static final int SEND_CREDIT_REQUEST = 16;

    /** Room in {@link #toHost} beyond the guest's credit for the device's own {@code OK <port>\n}. */
    static final int OWN_BYTES_ROOM = 16;

    final SocketChannel channel;
    final ByteBuffer toHost;
    final ByteBuffer toGuest;
    SelectionKey key;
    State state;
    int hostPort;
    int guestPort;
    /** SEND_* bits. */
    int owed;
    /** The guest's receive buffer size and the bytes it has consumed (from every packet it sends). */
    int peerBufAlloc;

    int peerFwdCnt;
    /** Payload bytes sent to the guest (wrapping, as the spec's counters do). */
    int txCnt;
    /** Guest bytes written to the host socket: the {@code fwd_cnt} the device announces. */
    int fwdCnt;
    /** The {@code fwd_cnt} in the last packet sent to the guest. */
    int announcedFwdCnt;
    /** Bytes at the front of {@link #toHost} that the device wrote itself ({@code OK <port>\n}), not the guest. */
    int ownBytes;
    /** The host closed its sending side (read returned end of stream). */
    boolean hostEof;
    /** VsockHeader.SHUTDOWN_* flags the guest has sent. */
    int guestShutdown;
    /** The device already told the guest the host will send no more. */
    boolean shutdownSent;
    /** A CREDIT_REQUEST went out since the guest last announced credit. */
    boolean creditRequested;
    /** System.nanoTime() by which the connection must have moved on; 0 for none. */
    long deadline;

    VsockConnection(SocketChannel channel, State state, int bufferSize) {
        this.channel = channel;
        this.state = state;
        this.toHost = ByteBuffer.allocate(bufferSize + OWN_BYTES_ROOM);
        this.toGuest = ByteBuffer.allocate(bufferSize);
    }

    /** How many payload bytes the guest can take now, by the credit it last announced. */
    int peerCredit() {
        long inFlight = (txCnt - peerFwdCnt) & 0xffff_ffffL;
        long alloc = peerBufAlloc & 0xffff_ffffL;
        return inFlight >= alloc ? 0 : (int) Math.min(alloc - inFlight, Integer.MAX_VALUE);
    }

    @Override
    public String toString() {
        return "vsock connection host port " + Integer.toUnsignedString(hostPort) + " <-> guest port "
                + Integer.toUnsignedString(guestPort) + " (" + state + ")";
    }
}
