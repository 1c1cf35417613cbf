package org.vmm4j.openbsd.guest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads and writes whole imsgs over a stream (vmd's UNIX socket, or a stand-in's end of it). */
public final class ImsgChannel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ImsgChannel.class);

    private final ByteChannel channel;
    private final ImsgHeaderFormat format;

    public ImsgChannel(ByteChannel channel, ImsgHeaderFormat format) {
        this.channel = channel;
        this.format = format;
    }

    public ImsgHeaderFormat format() {
        return format;
    }

    public void send(Imsg message) {
        ByteBuffer out = ByteBuffer.wrap(message.encode(format));
        try {
            while (out.hasRemaining()) {
                channel.write(out);
            }
        } catch (IOException e) {
            throw new ImsgException("cannot send imsg type " + message.type() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The next message.
     *
     * @throws ImsgException when the peer closes the connection, before or in the middle of a message, or
     *     sends a header whose length is shorter than a header or longer than {@code MAX_IMSGSIZE}
     */
    public Imsg receive() {
        ByteBuffer header = ByteBuffer.allocate(ImsgHeaderFormat.HEADER_SIZE);
        if (!fill(header, true)) {
            throw new ImsgException("vmd closed the connection");
        }
        header.flip();
        ImsgHeaderFormat.Header h = format.readHeader(header);
        ByteBuffer payload = ByteBuffer.allocate(h.length() - ImsgHeaderFormat.HEADER_SIZE);
        if (!fill(payload, false)) {
            throw new ImsgException("vmd closed the connection in the middle of a reply (type " + h.type() + ")");
        }
        return new Imsg(h.type(), h.peerId(), h.pid(), payload.array(), h.hasFd());
    }

    /** Fills the buffer; false on a clean EOF before the first byte when {@code eofAllowed}. */
    private boolean fill(ByteBuffer buffer, boolean eofAllowed) {
        try {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer) < 0) {
                    if (eofAllowed && buffer.position() == 0) {
                        return false;
                    }
                    throw new ImsgException("vmd closed the connection in the middle of a reply");
                }
            }
            return true;
        } catch (IOException e) {
            throw new ImsgException("cannot read from vmd: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing useful to do: the connection is gone either way
            LOG.debug("closing the vmd connection failed", e);
        }
    }
}
