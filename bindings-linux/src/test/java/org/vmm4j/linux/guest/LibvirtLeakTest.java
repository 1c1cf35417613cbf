package org.vmm4j.linux.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestState;
import org.vmm4j.internal.nat.CType;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.internal.nat.Signature;
import org.vmm4j.testsupport.RequiresHost;

/**
 * 100,000 calls that each allocate something in libvirt (domain references, XML strings, lists,
 * stats records, connections) must leave the process's resident memory and descriptor count flat:
 * vmm4j frees everything libvirt hands it, deterministically.
 */
@RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
class LibvirtLeakTest {
    private static final int CALLS = 100_000;
    /** A leaked domain reference or XML string per call would add far more than this. */
    private static final long RSS_SLACK_BYTES = 24L << 20;
    /** The C heap is measured exactly: one leaked XML string per call would add megabytes. */
    private static final long MALLOC_SLACK_BYTES = 2L << 20;

    @Test
    void residentMemoryAndDescriptorsStayFlatOver100kCalls() throws Exception {
        try (LibvirtGuestManager libvirt = LibvirtGuestManager.connect("test:///default")) {
            round(libvirt, 20_000); // warm up: JIT, heap sizing, libvirt's caches
            // A leak grows the heap in every round; the JVM's own C-heap use (JIT arenas, JNA's first
            // calls on an older JDK) does not repeat. So the smallest growth of three rounds counts.
            long mallocGrowth = Long.MAX_VALUE;
            long rssGrowth = Long.MAX_VALUE;
            int calls = 0;
            int fdsBefore = fds();
            for (int r = 0; r < 3; r++) {
                System.gc();
                long rssBefore = rss();
                long mallocBefore = mallocInUse();
                calls = round(libvirt, CALLS);
                System.gc();
                mallocGrowth = Math.min(mallocGrowth, mallocInUse() - mallocBefore);
                rssGrowth = Math.min(rssGrowth, rss() - rssBefore);
            }
            int fdsAfter = fds();
            assertTrue(calls >= CALLS);
            assertTrue(
                    mallocGrowth < MALLOC_SLACK_BYTES,
                    "malloc'd memory in use grew by " + (mallocGrowth >> 10) + " KiB over " + calls + " calls");
            assertTrue(
                    rssGrowth < RSS_SLACK_BYTES, "RSS grew by " + (rssGrowth >> 10) + " KiB over " + calls + " calls");
            assertTrue(fdsAfter - fdsBefore <= 2, "descriptors: " + fdsBefore + " -> " + fdsAfter);
        }
    }

    /** Runs {@code n} libvirt calls; returns how many. */
    private static int round(LibvirtGuestManager libvirt, int n) {
        int calls = 0;
        try (LibvirtGuest test = libvirt.findGuest("test").orElseThrow()) {
            while (calls < n) {
                assertEquals(GuestState.RUNNING, test.info().state());
                try (LibvirtGuest again = libvirt.findGuest("test").orElseThrow()) {
                    assertTrue(again.xml().length() > 100);
                }
                calls += 4; // GetInfo + GetState, lookup (+ name, UUID), GetXMLDesc
                if (calls % 400 == 0) {
                    List<LibvirtGuest> all = libvirt.guests(GuestFilter.ALL);
                    all.forEach(LibvirtGuest::close);
                    assertEquals(1, libvirt.stats(GuestFilter.ALL).size());
                    calls += 2;
                }
                if (calls % 20_000 == 0) {
                    try (LibvirtGuestManager other = LibvirtGuestManager.connect("test:///default")) {
                        other.find("test");
                    }
                }
            }
        }
        return calls;
    }

    private static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /**
     * Bytes the C heap has handed out and not had back: glibc's {@code mallinfo2()} fields uordblks
     * (in-use heap chunks) plus hblkhd (mmap'd chunks). The struct (ten size_t) is returned by value,
     * which the System V x86-64 ABI passes as a hidden first pointer argument, so the seam can call it
     * as {@code void *mallinfo2(void *result)}.
     */
    private static long mallocInUse() {
        var libc = NativeAccess.get().libc();
        if (!libc.has("mallinfo2")) {
            return 0;
        }
        NativeFunction mallinfo2 = libc.function("mallinfo2", Signature.of(CType.POINTER, CType.POINTER));
        try (NativeMemory info = NativeAccess.get().allocate(10 * 8)) {
            mallinfo2.call(info.address());
            return info.getLong(7 * 8) + info.getLong(4 * 8);
        }
    }

    private static int fds() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            return (int) entries.count();
        }
    }
}
