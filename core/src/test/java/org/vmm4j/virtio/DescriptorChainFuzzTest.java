package org.vmm4j.virtio;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;
import java.util.Arrays;
import org.vmm4j.GuestMemory;
import org.vmm4j.testing.HeapGuestMemory;
import org.vmm4j.testsupport.FuzzCheck;

/**
 * Coverage-guided fuzzing of the descriptor-chain reader: guest RAM of two regions (16 KiB at 0 and
 * 4 KiB at 4 GiB) filled with the input's bytes (the start), and from its end (FuzzedDataProvider) the
 * queue size, EVENT_IDX, optionally hostile ring addresses, the head the available ring offers, the
 * available index and whether indirect descriptors were negotiated. By default the descriptor table
 * is at 0, the driver area right after it and the device area after that, as a driver lays them out.
 *
 * <p>{@link Virtqueue#configure} and {@link Virtqueue#pop} either read a chain, or refuse with a
 * {@link VirtqueueException} whose message starts with its problem's name, within 2 s. A chain read
 * has 1 to queue-size buffers, each wholly inside one RAM region (checked here against the regions'
 * bounds, not with {@link GuestRam}), readable ones first, the totals the sum of the lengths and at
 * most 2^32; the head is the one offered, and returning it writes the used element and index where
 * the spec puts them. A refused chain is not consumed and leaves the chain empty. An accepted input
 * allocates nothing ({@link FuzzCheck#allocatingNothing}), a refused one at most 64 KiB (the exception
 * and its message). Seeds
 * ({@code DescriptorChainFuzzTestInputs/chain}, remade by {@code core/src/test/fuzz/make-virtio-seeds}):
 * direct, indirect and mixed chains, EVENT_IDX, one of each refusal, and the fuzzer's one finding.
 */
class DescriptorChainFuzzTest {
    private static final FuzzCheck CHECK = FuzzCheck.allocatingNothing(Duration.ofSeconds(2), VirtqueueException.class)
            .refusalsWithin(64L << 10);

    static final int LOW_SIZE = 16 << 10;
    static final long HIGH_ADDRESS = 1L << 32;
    static final int HIGH_SIZE = 4 << 10;

    private static final HeapGuestMemory LOW = new HeapGuestMemory(0, LOW_SIZE);
    private static final HeapGuestMemory HIGH = new HeapGuestMemory(HIGH_ADDRESS, HIGH_SIZE);
    private static final GuestRam RAM = GuestRam.of(LOW, HIGH);
    private static final Virtqueue QUEUE = new Virtqueue(RAM, Virtqueue.MAX_SIZE);
    private static final DescriptorChain CHAIN = QUEUE.newChain();
    private static final byte[] IMAGE = new byte[LOW_SIZE + HIGH_SIZE];

    private int size;
    private boolean eventIdx;
    private boolean indirect;
    private long desc;
    private long avail;
    private long used;
    private int head;
    private int availIdx;

    @FuzzTest
    void chain(FuzzedDataProvider data) {
        boolean hostileRings = data.consumeBoolean();
        eventIdx = data.consumeBoolean();
        if (hostileRings) {
            size = data.consumeInt(0, 0x10000);
            desc = data.consumeLong();
            avail = data.consumeLong();
            used = data.consumeLong();
        } else {
            size = 1 << data.consumeInt(0, 15);
            desc = 0;
            avail = 16L * size;
            used = (avail + 6 + 2L * size + 3) & ~3L;
        }
        head = data.consumeInt(0, 0xffff);
        availIdx = data.consumeInt(0, 0xffff);
        indirect = data.consumeBoolean();
        byte[] bytes = data.consumeRemainingAsBytes();
        int n = Math.min(bytes.length, IMAGE.length);
        System.arraycopy(bytes, 0, IMAGE, 0, n);
        Arrays.fill(IMAGE, n, IMAGE.length, (byte) 0);
        String name = String.format(
                "size %d%s%s, rings 0x%x/0x%x/0x%x, head %d, avail idx %d, %d bytes of RAM",
                size, eventIdx ? " event-idx" : "", indirect ? " indirect" : "", desc, avail, used, head, availIdx, n);

        if (CHECK.run(name, this::target) instanceof VirtqueueException e) {
            assertTrue(e.getMessage().startsWith(e.problem().name() + ": "), e.getMessage());
        }
    }

    private void target() {
        LOW.write(0, IMAGE, 0, LOW_SIZE);
        HIGH.write(0, IMAGE, LOW_SIZE, HIGH_SIZE);
        QUEUE.reset();
        QUEUE.configure(
                size,
                desc,
                avail,
                used,
                (eventIdx ? VirtioFeatures.RING_EVENT_IDX : 0) | (indirect ? VirtioFeatures.RING_INDIRECT_DESC : 0));
        GuestMemory a = RAM.region(RAM.regionOf(avail, 6)); // configure checked it lies in one region
        long availOffset = avail - a.guestAddress();
        a.putShort(availOffset + 2, (short) availIdx);
        a.putShort(availOffset + 4, (short) head);
        boolean popped;
        try {
            popped = QUEUE.pop(CHAIN);
        } catch (VirtqueueException e) {
            check(QUEUE.lastAvailIndex() == 0, "a refused chain is not consumed");
            check(CHAIN.count() == 0, "a refused chain is empty");
            throw e;
        }
        if (!popped) {
            check(availIdx == 0, "nothing to pop only when nothing is available");
            check(CHAIN.count() == 0 && CHAIN.head() == -1, "no chain, an empty chain");
            return;
        }
        check(QUEUE.lastAvailIndex() == 1, "one chain consumed");
        check(CHAIN.head() == head, "the head offered");
        int count = CHAIN.count();
        check(count >= 1 && count <= size, "1 to queue-size buffers");
        long readable = 0;
        long writable = 0;
        for (int i = 0; i < count; i++) {
            long address = CHAIN.address(i);
            long length = CHAIN.length(i);
            boolean inLow = address >= 0 && address <= LOW_SIZE - length;
            boolean inHigh = address >= HIGH_ADDRESS && address - HIGH_ADDRESS <= HIGH_SIZE - length;
            if (!inLow && !inHigh) {
                fail("buffer " + i + " at 0x" + Long.toHexString(address) + "+" + length + " is outside RAM");
            }
            check(CHAIN.region(i) == (inLow ? 0 : 1), "the buffer's region");
            check(CHAIN.isWritable(i) == (i >= CHAIN.readableCount()), "readable buffers first");
            if (CHAIN.isWritable(i)) {
                writable += length;
            } else {
                readable += length;
            }
        }
        check(readable == CHAIN.readableBytes() && writable == CHAIN.writableBytes(), "the totals");
        check(readable + writable <= (long) count * LOW_SIZE, "no buffer larger than a region");
        check(readable + writable <= 1L << 32, "no chain longer than 2^32 bytes");
        QUEUE.addUsed(CHAIN.head(), (int) writable);
        GuestMemory u = RAM.region(RAM.regionOf(used, 6));
        long usedOffset = used - u.guestAddress();
        check((u.getShort(usedOffset + 2) & 0xffff) == 1, "used->idx published");
        check(u.getInt(usedOffset + 4) == head, "used element id");
        check(u.getInt(usedOffset + 8) == (int) writable, "used element len");
        QUEUE.needsInterrupt();
    }

    /** An assertion that builds no message unless it fails (the target must allocate nothing). */
    private static void check(boolean condition, String what) {
        if (!condition) {
            fail(what + ": " + CHAIN);
        }
    }
}
