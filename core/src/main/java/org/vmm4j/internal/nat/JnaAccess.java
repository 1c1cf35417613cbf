package org.vmm4j.internal.nat;

import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.VmmException;

/**
 * The native seam over JNA (Java Native Access): the implementation on JDK 17-21, and on any JDK with
 * {@code -Dvmm4j.native=jna}. JNA is an optional dependency of vmm4j-core, so this class touches no
 * JNA type until it has checked that JNA is there; when it is not, the failure names the artifact.
 *
 * <p>Downcalls are JNA direct-mapped natives with primitive arguments ({@link JnaFunction}): no
 * allocation per call. Memory is JNA {@code Pointer} access with explicit bounds and liveness checks
 * ({@link JnaMemory}).
 */
final class JnaAccess extends NativeAccess {
    /** The Maven coordinates users must add on JDK 17-21. */
    static final String ARTIFACT = "net.java.dev.jna:jna";

    private final NativeLibrary libc;
    /**
     * Loaded libraries by name. Binding a function defines a class that JNA keeps registered for the
     * life of the JVM, so a library loaded again (a probe per call) must reuse its bound functions.
     */
    private final Map<String, JnaLibrary> loaded = new ConcurrentHashMap<>();

    JnaAccess() {
        requireJna();
        libc = JnaLibrary.process();
    }

    private static void requireJna() {
        ClassLoader loader = JnaAccess.class.getClassLoader();
        try {
            Class.forName("com.sun.jna.Native", false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            String forced = System.getProperty(PROPERTY, "").trim().isEmpty()
                    ? ""
                    : " (-D" + PROPERTY + "=" + System.getProperty(PROPERTY) + " selects it)";
            throw new HypervisorUnavailableException(
                    "vmm4j needs JDK 22 or newer (the FFM API) or JNA for native "
                            + "access; this JVM is JDK " + Runtime.version().feature() + " and JNA" + forced
                            + " is not on the class path: add the " + ARTIFACT + " artifact (5.x; on the module path "
                            + "also --add-modules com.sun.jna)",
                    e);
        }
        try {
            Class.forName("com.sun.jna.Native", true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new HypervisorUnavailableException(
                    "JNA (" + ARTIFACT + ") is present but cannot load its native "
                            + "dispatch library for " + System.getProperty("os.name") + "/"
                            + System.getProperty("os.arch")
                            + ": " + e,
                    e);
        }
    }

    /** libc's memmove, for copies between regions. */
    private static final class Memmove {
        static final NativeFunction FUNCTION = JnaLibrary.process()
                .function("memmove", Signature.of(CType.POINTER, CType.POINTER, CType.POINTER, CType.LONG));
    }

    static void memmove(long to, long from, long length) {
        Memmove.FUNCTION.call(to, from, length);
    }

    @Override
    public String implementation() {
        return "jna";
    }

    @Override
    public NativeMemory allocate(long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("allocation size must be positive: " + size);
        }
        // malloc aligns small blocks to 8 bytes on some allocators (jemalloc): over-allocate and align.
        long raw = com.sun.jna.Native.malloc(size + 15);
        if (raw == 0) {
            throw new OutOfMemoryError("malloc(" + size + ") failed");
        }
        long aligned = (raw + 15) & ~15L;
        JnaMemory memory = JnaMemory.owning(aligned, size, () -> com.sun.jna.Native.free(raw));
        memory.clear();
        return memory;
    }

    @Override
    public NativeMemory view(long address, long size) {
        if (address == 0) {
            throw new IllegalArgumentException("view of the null address");
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative size: " + size);
        }
        return JnaMemory.view(address, size);
    }

    @Override
    public NativeMemory mapped(long address, long size, Runnable unmap) {
        return JnaMemory.owning(address, size, unmap);
    }

    @Override
    public NativeLibrary libc() {
        return libc;
    }

    @Override
    public NativeLibrary load(String... names) {
        List<String> failures = new ArrayList<>();
        for (String name : names) {
            try {
                return loaded.computeIfAbsent(name, JnaLibrary::load);
            } catch (UnsatisfiedLinkError e) {
                failures.add(name);
            }
        }
        throw new VmmException(
                "dlopen",
                0,
                "cannot load any of " + failures + " (is the library installed and on the dynamic linker's path?)");
    }

    @Override
    public NativeCallback upcall(MethodHandle target, Signature signature) {
        return new JnaCallback(target, signature);
    }

    @Override
    public String readString(long address) {
        if (address == 0) {
            return null;
        }
        return new com.sun.jna.Pointer(address).getString(0, StandardCharsets.UTF_8.name());
    }
}
