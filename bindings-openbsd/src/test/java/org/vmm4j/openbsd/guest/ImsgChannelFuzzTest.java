package org.vmm4j.openbsd.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ByteChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import org.vmm4j.testsupport.FuzzCheck;

/**
 * Coverage-guided fuzzing of what vmd sends: the imsg framing ({@link ImsgChannel#receive()} over a
 * stream in both {@link ImsgHeaderFormat}s, delivered in reads of a fuzz-chosen size) and the reply
 * payloads ({@link VmdMessages#decodeResult} and {@link VmdMessages#decodeInfoResult} for both {@link
 * VmdProtocol}s). The first input byte picks the header format (bit 0), the protocol (bit 1) and the
 * read size (bits 2-7, plus one); the rest is the byte stream.
 *
 * <p>Every message either decodes or is refused with an {@link ImsgException} with a message, within
 * 2 s and 8 MiB: a header may make the reader allocate one payload of up to {@code MAX_IMSGSIZE} (16
 * KiB) before the stream ends, and an input of a few KiB holds at most a few hundred messages. Each
 * message decoded re-encodes to the bytes it was read from (LEGACY headers: but for the flag bits other
 * than {@code IMSGF_HASFD}), and a reply payload of the right size decodes to the values at the offsets
 * of {@code struct vmop_result}/{@code vmop_info_result} as {@code VmdWire} lays them out by hand.
 * Seeds: the message sequences vmd sends vmctl, framed by an independent encoder ({@code
 * bindings-openbsd/src/test/fuzz/make-seeds}).
 */
class ImsgChannelFuzzTest {
    private static final FuzzCheck CHECK = FuzzCheck.of(Duration.ofSeconds(2), 8L << 20, ImsgException.class);

    @FuzzTest
    void stream(byte[] input) {
        if (input.length == 0) {
            return;
        }
        ImsgHeaderFormat format = (input[0] & 1) == 0 ? ImsgHeaderFormat.LEGACY : ImsgHeaderFormat.CURRENT;
        VmdProtocol protocol = (input[0] & 2) == 0 ? VmdProtocol.OPENBSD_7_4 : VmdProtocol.CURRENT;
        int readSize = ((input[0] & 0xff) >>> 2) + 1;
        byte[] stream = Arrays.copyOfRange(input, 1, input.length);
        String name = format + ", " + protocol + ", reads of " + readSize + ": " + stream.length + " bytes "
                + HexFormat.of().formatHex(stream, 0, Math.min(stream.length, 32));
        VmdMessages messages = new VmdMessages(protocol);
        runTwice(name, () -> {
            checkPayloads(messages, Arrays.copyOf(stream, VmdWire.SIZEOF_VMOP_RESULT));
            checkPayloads(messages, Arrays.copyOf(stream, VmdWire.SIZEOF_VMOP_INFO_RESULT));
            checkPayloads(messages, stream);
        });
        runTwice(name, () -> {
            StreamChannel channel = new StreamChannel(stream, readSize);
            try (ImsgChannel imsgs = new ImsgChannel(channel, format)) {
                while (true) {
                    int start = channel.position;
                    Imsg m = imsgs.receive();
                    int end = channel.position;
                    assertEquals(end - start, ImsgHeaderFormat.HEADER_SIZE + m.payloadLength(), "length read");
                    assertTrue(end - start <= ImsgHeaderFormat.MAX_IMSGSIZE, "no message over MAX_IMSGSIZE");
                    byte[] wire = Arrays.copyOfRange(stream, start, end);
                    if (format == ImsgHeaderFormat.LEGACY) {
                        wire[7] = 0; // only IMSGF_HASFD of the flags survives decoding
                        wire[6] &= (byte) ImsgHeaderFormat.IMSGF_HASFD;
                    }
                    assertArrayEquals(wire, m.encode(format), "re-encoded message");
                    checkPayloads(messages, m.payload());
                }
            }
        });
    }

    /** Decodes {@code payload} as both replies: the decoder of its size takes it, the other refuses it. */
    private static void checkPayloads(VmdMessages messages, byte[] payload) {
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        if (payload.length == VmdWire.SIZEOF_VMOP_RESULT) {
            VmdResult r = messages.decodeResult(payload);
            assertEquals(b.getInt(0), r.result());
            assertEquals(b.getInt(4), r.id());
            assertEquals(b.getInt(8), r.pid());
            checkString(r.tty(), payload, 12, 16);
        } else {
            refused(() -> messages.decodeResult(payload));
        }
        if (payload.length == VmdWire.SIZEOF_VMOP_INFO_RESULT) {
            VmdVmStatus s = messages.decodeInfoResult(payload);
            assertEquals(b.getLong(0), s.maxMemory());
            assertEquals(b.getLong(8), s.usedMemory());
            assertEquals((int) b.getLong(16), s.vcpus());
            assertEquals(b.getInt(88), s.pid());
            assertEquals(b.getInt(92), s.id());
            checkString(s.name(), payload, 96, 64);
            checkString(s.tty(), payload, 160, 16);
            assertEquals(b.getInt(176), s.uid());
            assertEquals(b.getLong(184), s.gid());
            assertEquals(b.getInt(192), s.state());
            s.stateText();
            s.ttyPath();
        } else {
            refused(() -> messages.decodeInfoResult(payload));
        }
    }

    /** A C string field decodes to the bytes before its first NUL, never beyond the field. */
    private static void checkString(String decoded, byte[] payload, int offset, int capacity) {
        int end = offset;
        while (end < offset + capacity && payload[end] != 0) {
            end++;
        }
        assertEquals(new String(payload, offset, end - offset, java.nio.charset.StandardCharsets.UTF_8), decoded);
    }

    private static void refused(Runnable decode) {
        try {
            decode.run();
        } catch (ImsgException e) {
            assertTrue(e.getMessage().contains("bytes where struct"), e.getMessage());
            return;
        }
        throw new AssertionError("a payload of the wrong size was decoded");
    }

    /** The read side of vmd's socket: the stream, at most {@code readSize} bytes per read, then EOF. */
    private static final class StreamChannel implements ByteChannel {
        private final byte[] stream;
        private final int readSize;
        int position;

        StreamChannel(byte[] stream, int readSize) {
            this.stream = stream;
            this.readSize = readSize;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (position >= stream.length) {
                return -1;
            }
            int n = Math.min(Math.min(readSize, dst.remaining()), stream.length - position);
            dst.put(stream, position, n);
            position += n;
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            throw new AssertionError("the receiving side writes nothing");
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }

    /** Runs the input once to load the classes its paths use, then within the bounds. */
    private static void runTwice(String name, FuzzCheck.Target target) {
        CHECK.run(name, target);
    }
}
