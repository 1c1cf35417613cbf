package org.vmm4j.linux.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.GuestInfo;
import org.vmm4j.testsupport.RequiresHost;

/**
 * {@code info()} (virDomainGetInfo + virDomainGetState) allocates on the Java heap only the value it
 * returns ({@link GuestInfo} and its {@link java.time.Duration}), and no native memory.
 */
@RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
class LibvirtHotPathTest {
    private static final int CALLS = 200_000;
    /**
     * The returned value with compressed oops: GuestInfo (12-byte header, two references, two ints,
     * two longs: 48 bytes) and its Duration (12-byte header, a long, an int: 24 bytes).
     */
    private static final long RESULT_BYTES = 48 + 24;

    @Test
    void getInfoAllocatesOnlyItsResult() {
        var threads = ManagementFactory.getThreadMXBean();
        assumeTrue(threads instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter in this JVM");
        var counter = (com.sun.management.ThreadMXBean) threads;
        try (LibvirtGuestManager libvirt = LibvirtGuestManager.connect("test:///default");
                LibvirtGuest guest = libvirt.findGuest("test").orElseThrow()) {
            long best = Long.MAX_VALUE;
            long bestBasic = Long.MAX_VALUE;
            // The first rounds warm up (JIT); the least a round allocates is what a compiled call costs.
            for (int round = 0; round < 5; round++) {
                best = Math.min(best, bytesPerCall(counter, () -> guest.info().vcpus()));
                bestBasic = Math.min(
                        bestBasic, bytesPerCall(counter, () -> guest.basicInfo().vcpus()));
            }
            assertTrue(best <= RESULT_BYTES, best + " bytes allocated per info()");
            assertTrue(bestBasic <= RESULT_BYTES, bestBasic + " bytes allocated per basicInfo()");
            GuestInfo basic = guest.basicInfo();
            assertEquals(guest.info().memoryBytes(), basic.memoryBytes());
            assertEquals(0, basic.reason());
        }
    }

    private static long bytesPerCall(com.sun.management.ThreadMXBean counter, java.util.function.IntSupplier call) {
        long thread = Thread.currentThread().getId();
        long sink = 0;
        long before = counter.getThreadAllocatedBytes(thread);
        for (int i = 0; i < CALLS / 5; i++) {
            sink += call.getAsInt();
        }
        long after = counter.getThreadAllocatedBytes(thread);
        assertEquals(2L * (CALLS / 5), sink);
        return (after - before) / (CALLS / 5);
    }
}
