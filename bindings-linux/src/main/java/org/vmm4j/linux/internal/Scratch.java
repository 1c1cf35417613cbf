package org.vmm4j.linux.internal;

import java.util.concurrent.atomic.AtomicReferenceArray;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * Small native buffers for out-parameters and short C strings, reused across calls so that a call
 * such as {@code virDomainGetInfo} allocates (and frees) no native memory: allocating and closing
 * memory through the seam costs more than the libvirt call itself. Lock-free; a buffer taken while
 * all are in use is allocated, and closed on return if no slot is free.
 */
public final class Scratch {
    /** Bytes per buffer: room for virDomainInfo plus state and reason, a UUID string, or a name. */
    public static final int SIZE = 512;

    private static final AtomicReferenceArray<NativeMemory> SLOTS = new AtomicReferenceArray<>(16);

    private Scratch() {}

    public static NativeMemory take(NativeAccess access) {
        for (int i = 0; i < SLOTS.length(); i++) {
            NativeMemory m = SLOTS.getAndSet(i, null);
            if (m != null) {
                return m;
            }
        }
        return access.allocate(SIZE);
    }

    public static void give(NativeMemory m) {
        for (int i = 0; i < SLOTS.length(); i++) {
            if (SLOTS.compareAndSet(i, null, m)) {
                return;
            }
        }
        m.close();
    }

    /** Whether {@code value} fits as a NUL-terminated UTF-8 string (a conservative, allocation-free check). */
    public static boolean fitsString(String value) {
        return value.length() * 3L + 1 <= SIZE;
    }

    /** Writes {@code value} NUL-terminated at offset 0; rejects embedded NULs like {@code Libc.cString}. */
    public static void putString(NativeMemory m, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("string contains NUL: " + value.replace('\0', '?'));
        }
        m.putString(0, value);
    }
}
