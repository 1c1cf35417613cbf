package org.vmm4j.internal.nat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.internal.nat.CType.INT;
import static org.vmm4j.internal.nat.CType.LONG;
import static org.vmm4j.internal.nat.CType.POINTER;
import static org.vmm4j.internal.nat.CType.VOID;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The JNA implementation, instantiated directly so that it is tested on every JDK (the FFM run of the
 * suite included): closed memory throws instead of crashing, errno comes back as {@code -errno},
 * direct-mapped calls allocate nothing, upcalls work.
 */
class JnaSeamTest {
    private static final JnaAccess JNA = new JnaAccess();
    private final NativeLibrary libc = JNA.libc();

    @Test
    void accessAfterCloseThrowsForTheOwnerAndItsSlices() {
        NativeMemory memory = JNA.allocate(64);
        NativeMemory slice = memory.slice(16, 16);
        slice.putLong(8, 42);
        assertEquals(42, memory.getLong(24));
        slice.close(); // a slice's close does nothing
        assertTrue(memory.isAlive());
        memory.close();
        memory.close();
        assertFalse(memory.isAlive());
        assertFalse(slice.isAlive());
        assertThrows(IllegalStateException.class, () -> memory.getByte(0));
        assertThrows(IllegalStateException.class, () -> slice.putInt(0, 1));
        assertThrows(IllegalStateException.class, () -> memory.get(0, new byte[4], 0, 4));
        assertThrows(IllegalStateException.class, () -> memory.fill(0, 8, (byte) 1));
        assertThrows(IllegalStateException.class, () -> memory.getByteVolatile(0));
    }

    @Test
    void outOfBoundsAccessesThrow() {
        try (NativeMemory memory = JNA.allocate(16)) {
            assertThrows(IndexOutOfBoundsException.class, () -> memory.getLong(9));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.getByte(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.putInt(Long.MAX_VALUE - 1, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.slice(8, 9));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.get(0, new byte[4], 2, 4));
            NativeMemory slice = memory.slice(4, 4);
            assertThrows(IndexOutOfBoundsException.class, () -> slice.getInt(1));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.copyTo(12, slice, 0, 8));
            NativeMemory empty = memory.slice(16, 0);
            assertEquals(0, empty.size());
            assertThrows(IndexOutOfBoundsException.class, () -> empty.getByte(0));
            assertEquals(0, JNA.view(memory.address(), 0).size());
        }
    }

    @Test
    void allocationsAreZeroedAndSixteenByteAligned() {
        for (int size : new int[] {1, 8, 24, 4096}) {
            try (NativeMemory memory = JNA.allocate(size)) {
                assertEquals(0, memory.address() % 16, "address of a " + size + "-byte allocation");
                for (int i = 0; i < size; i++) {
                    assertEquals(0, memory.getByte(i));
                }
            }
        }
    }

    @Test
    void mappedMemoryRunsItsUnmapExactlyOnce() {
        try (NativeMemory backing = JNA.allocate(32)) {
            AtomicInteger unmaps = new AtomicInteger();
            NativeMemory mapped = JNA.mapped(backing.address(), 32, unmaps::incrementAndGet);
            mapped.putDouble(8, 2.5);
            assertEquals(2.5, backing.getDouble(8));
            mapped.close();
            mapped.close();
            assertEquals(1, unmaps.get());
            assertThrows(IllegalStateException.class, () -> mapped.getDouble(8));
        }
    }

    @Test
    void viewsCopiesAndStrings() {
        try (NativeMemory a = JNA.allocate(32);
                NativeMemory b = JNA.allocate(32)) {
            a.putString(0, "kvm");
            NativeMemory view = JNA.view(a.address(), 32);
            assertEquals("kvm", view.getString(0));
            view.close();
            assertTrue(view.isAlive(), "a view does not own its memory");
            a.copyTo(0, b.slice(8, 8), 4, 4);
            assertEquals("kvm", JNA.readString(b.address() + 12));
            assertNull(JNA.readString(0));
            assertArrayEquals(new byte[] {'k', 'v', 'm', 0}, b.toArray(12, 4));
            b.putByteVolatile(31, (byte) -3);
            assertEquals(-3, b.getByteVolatile(31));
        }
    }

    @Test
    void regionsBeyondTwoGigabytesUseTheSameChecksAndByteOrder() {
        try (NativeMemory small = JNA.allocate(64)) {
            // A view larger than an int index (only its first 64 bytes are ever touched).
            NativeMemory large = JNA.view(small.address(), 3L << 30);
            large.putLong(8, 0x0102030405060708L);
            assertEquals(0x08, small.getByte(8), "little-endian, as the buffer-backed region");
            assertEquals(0x0102030405060708L, small.getLong(8));
            large.putShort(40, (short) -2);
            assertEquals(-2, small.getShort(40));
            large.putByteVolatile(63, (byte) 9);
            assertEquals(9, large.getByteVolatile(63));
            NativeMemory slice = large.slice(8, 8);
            assertEquals(0x0102030405060708L, slice.getLong(0));
            assertThrows(IndexOutOfBoundsException.class, () -> large.getInt((3L << 30) - 2));
        }
    }

    @Test
    void errnoConventionReturnsNegativeErrnoAndIntResultsSignExtend() {
        NativeFunction close = libc.function("close", Signature.of(INT, INT).withErrno());
        assertEquals(-Errno.EBADF, close.call(-1));
        NativeFunction rawClose = libc.function("close", Signature.of(INT, INT));
        assertEquals(-1L, rawClose.call(-1));
        NativeFunction getpid = libc.function("getpid", Signature.of(INT).asCritical());
        assertEquals(ProcessHandle.current().pid(), getpid.call());
        NativeFunction srand = libc.function("srand", Signature.of(VOID, INT));
        assertEquals(0, srand.call(1));
        assertThrows(IllegalArgumentException.class, () -> close.call(1, 2));
        assertSame(close, libc.function("close", Signature.of(INT, INT).withErrno()), "bound once, then cached");
        assertFalse(libc.has("vmm4j_no_such_symbol"));
        assertThrows(org.vmm4j.VmmException.class, () -> libc.function("vmm4j_no_such_symbol", Signature.of(INT)));
    }

    @Test
    void loadingALibraryAgainReusesItsBoundFunctions() {
        Assumptions.assumeTrue(Os.current() == Os.LINUX, "libc.so.6 is glibc's name");
        NativeLibrary first = JNA.load("vmm4j-no-such-library.so", "libc.so.6");
        assertEquals("libc.so.6", first.name());
        NativeFunction abs = first.function("abs", Signature.of(INT, INT));
        assertEquals(7, abs.call(-7));
        assertSame(abs, JNA.load("libc.so.6").function("abs", Signature.of(INT, INT)));
        var e = assertThrows(org.vmm4j.VmmException.class, () -> JNA.load("vmm4j-no-such-library.so"));
        assertTrue(e.getMessage().contains("vmm4j-no-such-library.so"), e.getMessage());
    }

    @Test
    void moreThanSixArgumentsGoThroughCallArrayWithErrno() {
        Assumptions.assumeTrue(
                Os.current() == Os.LINUX && "amd64".equals(System.getProperty("os.arch")),
                "syscall numbers are the x86-64 Linux ones");
        NativeFunction syscall = libc.function(
                "syscall",
                Signature.of(LONG, LONG, LONG, LONG, LONG, LONG, LONG, LONG)
                        .variadicFrom(1)
                        .withErrno());
        long sysClose = 3;
        assertEquals(-Errno.EBADF, syscall.callArray(sysClose, -1, 0, 0, 0, 0, 0));
        long sysGetpid = 39;
        assertEquals(ProcessHandle.current().pid(), syscall.callArray(sysGetpid, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void directMappedCallsAllocateNothing() {
        NativeFunction close = libc.function("close", Signature.of(INT, INT).withErrno());
        NativeFunction pread = libc.function(
                "pread", Signature.of(LONG, INT, POINTER, LONG, LONG).withErrno());
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        int calls = 100_000;
        long sum = callBoth(close, pread, 20_000);
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) { // best of three: a JIT transition allocates once
            long before = threads.getThreadAllocatedBytes(tid);
            sum += callBoth(close, pread, calls);
            allocated = Math.min(allocated, threads.getThreadAllocatedBytes(tid) - before);
        }
        assertEquals(-2L * Errno.EBADF * (20_000 + 3 * calls), sum);
        assertTrue(allocated < calls, "allocated " + allocated + " bytes over " + 2 * calls + " calls");
    }

    private static long callBoth(NativeFunction close, NativeFunction pread, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += close.call(-1) + pread.call(-1, 0, 0, 0);
        }
        return sum;
    }

    @SuppressWarnings("unused") // an upcall target, found by name; its parameters are the C callback's
    private static int compareInts(long a, long b) {
        try {
            return Integer.compare(JNA.view(a, 4).getInt(0), JNA.view(b, 4).getInt(0));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static final AtomicInteger THREAD_UPCALLS = new AtomicInteger();

    @SuppressWarnings("unused") // an upcall target, found by name; its parameters are the C callback's
    private static long threadStart(long argument) {
        THREAD_UPCALLS.addAndGet((int) argument);
        return argument * 2;
    }

    /** As libvirt's event loop does: C calls back into Java from a thread the JVM did not start. */
    @Test
    void upcallRunsOnANativeThread() throws Exception {
        Assumptions.assumeTrue(Os.current() == Os.LINUX, "pthread_t is an unsigned long on Linux");
        var target = MethodHandles.lookup()
                .findStatic(JnaSeamTest.class, "threadStart", MethodType.methodType(long.class, long.class));
        NativeFunction create = libc.function("pthread_create", Signature.of(INT, POINTER, POINTER, POINTER, POINTER));
        NativeFunction join = libc.function("pthread_join", Signature.of(INT, LONG, POINTER));
        try (NativeCallback start = JNA.upcall(target, Signature.of(POINTER, POINTER));
                NativeMemory thread = JNA.allocate(8);
                NativeMemory result = JNA.allocate(8)) {
            assertEquals(0, create.call(thread.address(), 0, start.address(), 21));
            assertEquals(0, join.call(thread.getLong(0), result.address()));
            assertEquals(42, result.getLong(0));
            assertEquals(21, THREAD_UPCALLS.get());
        }
    }

    @Test
    void upcallSortsThroughQsort() throws Exception {
        var target = MethodHandles.lookup()
                .findStatic(JnaSeamTest.class, "compareInts", MethodType.methodType(int.class, long.class, long.class));
        int[] values = {5, -2, 9, 0, 3};
        try (NativeCallback compare = JNA.upcall(target, Signature.of(INT, POINTER, POINTER));
                NativeMemory array = JNA.allocate(4L * values.length)) {
            for (int i = 0; i < values.length; i++) {
                array.putInt(4L * i, values[i]);
            }
            NativeFunction qsort = libc.function("qsort", Signature.of(VOID, POINTER, LONG, LONG, POINTER));
            qsort.call(array.address(), values.length, 4, compare.address());
            int[] sorted = new int[values.length];
            for (int i = 0; i < values.length; i++) {
                sorted[i] = array.getInt(4L * i);
            }
            assertArrayEquals(new int[] {-2, 0, 3, 5, 9}, sorted);
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> JNA.upcall(target, Signature.of(LONG, POINTER, POINTER)),
                "type mismatch");
    }
}
