package org.vmm4j.internal.nat;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.InvocationTargetException;
import java.util.Locale;
import org.vmm4j.HypervisorUnavailableException;

/**
 * The native seam's entry point: one implementation per JVM, chosen once.
 *
 * <ul>
 *   <li>JDK 22+: the FFM implementation ({@code java.lang.foreign}), packaged in
 *       {@code META-INF/versions/22} of the multi-release core JAR.</li>
 *   <li>JDK 17-21: the JNA implementation, when it is present.</li>
 *   <li>{@code -Dvmm4j.native=ffm|jna} forces one.</li>
 * </ul>
 *
 * Implementations are found by class name so that this class, compiled at release 17, never links
 * against either API.
 */
public abstract class NativeAccess {
    /** System property that forces an implementation: {@code ffm} or {@code jna}. */
    public static final String PROPERTY = "vmm4j.native";

    static final String FFM_CLASS = "org.vmm4j.internal.nat.FfmAccess";
    static final String JNA_CLASS = "org.vmm4j.internal.nat.JnaAccess";

    private static final class Holder {
        static final Object SELECTED = selectOrFailure();
    }

    /**
     * The implementation in use.
     *
     * @throws HypervisorUnavailableException when this JVM cannot make native calls through vmm4j
     *         (with the reason: JDK too old, forced implementation unavailable, ...)
     */
    public static NativeAccess get() {
        Object selected = Holder.SELECTED;
        if (selected instanceof NativeAccess access) {
            return access;
        }
        RuntimeException failure = (RuntimeException) selected;
        throw new HypervisorUnavailableException(failure.getMessage(), failure);
    }

    /** Which implementation {@link #get()} would use, or why there is none; never throws. */
    public static String describe() {
        Object selected = Holder.SELECTED;
        return selected instanceof NativeAccess access
                ? access.implementation()
                : "unavailable: " + ((RuntimeException) selected).getMessage();
    }

    private static Object selectOrFailure() {
        try {
            return select(System.getProperty(PROPERTY, ""), Runtime.version().feature());
        } catch (RuntimeException e) {
            return e;
        }
    }

    static NativeAccess select(String forced, int jdkFeature) {
        String wanted = forced.trim().toLowerCase(Locale.ROOT);
        switch (wanted) {
            case "", "ffm", "jna" -> {}
            default ->
                throw new HypervisorUnavailableException(
                        "-D" + PROPERTY + "=" + forced + " is not an implementation; use ffm or jna");
        }
        if (wanted.equals("ffm") && jdkFeature < 22) {
            throw new HypervisorUnavailableException(
                    "-D" + PROPERTY + "=ffm needs JDK 22 or newer (the FFM API); " + "this JVM is JDK " + jdkFeature);
        }
        boolean useFfm = wanted.equals("ffm") || (wanted.isEmpty() && jdkFeature >= 22);
        if (useFfm) {
            return instantiate(
                    FFM_CLASS,
                    "the FFM implementation is missing from the vmm4j-core JAR "
                            + "(it lives in META-INF/versions/22; is the JAR repackaged without Multi-Release: true?)");
        }
        return instantiate(
                JNA_CLASS,
                "vmm4j needs JDK 22 or newer for native access through the FFM API; " + "this JVM is JDK " + jdkFeature
                        + " and this build of vmm4j has no JNA fallback for JDK 17-21");
    }

    private static NativeAccess instantiate(String className, String missingMessage) {
        Class<?> type;
        try {
            type = Class.forName(className, true, NativeAccess.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new HypervisorUnavailableException(missingMessage, e);
        }
        try {
            return (NativeAccess) type.getDeclaredConstructor().newInstance();
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new HypervisorUnavailableException("cannot start " + className + ": " + cause, cause);
        } catch (ReflectiveOperationException e) {
            throw new HypervisorUnavailableException("cannot start " + className + ": " + e, e);
        }
    }

    /** {@code "ffm"} or {@code "jna"}. */
    public abstract String implementation();

    /** Zeroed memory, freed on close. Alignment is at least 16 bytes. */
    public abstract NativeMemory allocate(long size);

    /**
     * A non-owning view of memory at a native address (memory the kernel or a library owns).
     * The caller vouches that the range is valid for as long as it is used.
     */
    public abstract NativeMemory view(long address, long size);

    /**
     * Wraps memory obtained by {@code mmap} so that {@link NativeMemory#close()} runs {@code unmap} (the
     * caller's munmap) exactly once; accesses after close fail with an exception.
     */
    public abstract NativeMemory mapped(long address, long size, Runnable unmap);

    /** The C library (symbols of the process's default lookup). */
    public abstract NativeLibrary libc();

    /**
     * Loads the first of {@code names} that the dynamic linker finds (e.g. {@code libvirt.so.0}).
     *
     * @throws org.vmm4j.VmmException naming every candidate when none loads
     */
    public abstract NativeLibrary load(String... names);

    /**
     * A C function pointer that invokes {@code target}. Its Java type must mirror {@code signature}:
     * {@code int} for INT, {@code long} for LONG and POINTER, {@code void}.
     * The target must not throw: an exception escaping an upcall terminates the JVM, so wrap the body.
     */
    public abstract NativeCallback upcall(MethodHandle target, Signature signature);

    /** A NUL-terminated UTF-8 string at a native address ({@code null} for address 0). */
    public abstract String readString(long address);
}
