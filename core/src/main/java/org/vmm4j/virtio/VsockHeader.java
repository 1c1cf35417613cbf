package org.vmm4j.virtio;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The packet header of virtio-vsock, {@code struct virtio_vsock_hdr} of virtio 1.x section 5.10.6
 * (44 bytes, little-endian, packed), read and written in a {@code byte[]} the device reuses. Every
 * packet on the rx and tx queues starts with one; {@code len} payload bytes follow it.
 */
final class VsockHeader {
    private VsockHeader() {}

    /** The header's size: le64 src_cid, le64 dst_cid, le32 src_port, le32 dst_port, le32 len, le16 type, le16 op, le32 flags, le32 buf_alloc, le32 fwd_cnt. */
    static final int SIZE = 44;

    static final int SRC_CID = 0;
    static final int DST_CID = 8;
    static final int SRC_PORT = 16;
    static final int DST_PORT = 20;
    static final int LEN = 24;
    static final int TYPE = 28;
    static final int OP = 30;
    static final int FLAGS = 32;
    static final int BUF_ALLOC = 36;
    static final int FWD_CNT = 40;

    /** VIRTIO_VSOCK_TYPE_STREAM, the only socket type this device offers. */
    static final int TYPE_STREAM = 1;

    static final int OP_REQUEST = 1;
    static final int OP_RESPONSE = 2;
    static final int OP_RST = 3;
    static final int OP_SHUTDOWN = 4;
    static final int OP_RW = 5;
    static final int OP_CREDIT_UPDATE = 6;
    static final int OP_CREDIT_REQUEST = 7;

    /** VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE: the sender will receive no more data. */
    static final int SHUTDOWN_RECEIVE = 1;
    /** VIRTIO_VSOCK_SHUTDOWN_F_SEND: the sender will send no more data. */
    static final int SHUTDOWN_SEND = 2;

    /** VMADDR_CID_HOST: the host's address, the source of every packet the device sends. */
    static final long HOST_CID = 2;

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    static long getLong(byte[] h, int at) {
        return (long) LONG.get(h, at);
    }

    static int getInt(byte[] h, int at) {
        return (int) INT.get(h, at);
    }

    static int getShort(byte[] h, int at) {
        return (short) SHORT.get(h, at) & 0xffff;
    }

    /** Fills {@code h} with a host-to-guest packet header. */
    static void put(
            byte[] h, long dstCid, int srcPort, int dstPort, int len, int op, int flags, int bufAlloc, int fwdCnt) {
        LONG.set(h, SRC_CID, HOST_CID);
        LONG.set(h, DST_CID, dstCid);
        INT.set(h, SRC_PORT, srcPort);
        INT.set(h, DST_PORT, dstPort);
        INT.set(h, LEN, len);
        SHORT.set(h, TYPE, (short) TYPE_STREAM);
        SHORT.set(h, OP, (short) op);
        INT.set(h, FLAGS, flags);
        INT.set(h, BUF_ALLOC, bufAlloc);
        INT.set(h, FWD_CNT, fwdCnt);
    }

    /** The name of {@code op} for logs. */
    static String opName(int op) {
        return switch (op) {
            case OP_REQUEST -> "REQUEST";
            case OP_RESPONSE -> "RESPONSE";
            case OP_RST -> "RST";
            case OP_SHUTDOWN -> "SHUTDOWN";
            case OP_RW -> "RW";
            case OP_CREDIT_UPDATE -> "CREDIT_UPDATE";
            case OP_CREDIT_REQUEST -> "CREDIT_REQUEST";
            default -> "op " + op;
        };
    }
}
