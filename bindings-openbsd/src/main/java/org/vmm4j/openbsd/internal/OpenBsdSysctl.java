package org.vmm4j.openbsd.internal;

import static org.vmm4j.internal.nat.CType.INT;
import static org.vmm4j.internal.nat.CType.LONG;
import static org.vmm4j.internal.nat.CType.POINTER;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.vmm4j.VmmException;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.internal.nat.Signature;

/**
 * OpenBSD's {@code sysctl(3)}, the one way this module reads kernel variables: the provider's release
 * check, the host facts behind the probe, and anything else. OpenBSD has no {@code sysctlbyname}, so
 * names are translated to MIBs here from {@code sys/sysctl.h} (1.246) for the variables vmm4j reads;
 * the value is decoded by the type the header gives it (string, int or quad).
 *
 * <p>The native call is behind {@link MibReader}: {@link #system()} binds {@code sysctl} through the
 * native seam on first use (nothing happens at class load on other systems); tests hand in recorded
 * values.
 */
public final class OpenBsdSysctl {
    static final int CTL_KERN = 1;
    static final int CTL_HW = 6;
    static final int KERN_OSTYPE = 1;
    static final int KERN_OSRELEASE = 2;
    static final int KERN_OSREV = 3;
    static final int KERN_VERSION = 4;
    static final int HW_MACHINE = 1;
    static final int HW_MODEL = 2;
    static final int HW_NCPU = 3;
    static final int HW_PHYSMEM64 = 19;
    static final int HW_NCPUONLINE = 25;

    private enum Type {
        STRING,
        INT,
        QUAD
    }

    @SuppressWarnings("ArrayRecordComponent") // a constant MIB of the table, never compared or hashed
    private record Variable(Type type, int... mib) {}

    private static final Map<String, Variable> NAMES = new TreeMap<>(Map.of(
            "kern.ostype", new Variable(Type.STRING, CTL_KERN, KERN_OSTYPE),
            "kern.osrelease", new Variable(Type.STRING, CTL_KERN, KERN_OSRELEASE),
            "kern.osrevision", new Variable(Type.INT, CTL_KERN, KERN_OSREV),
            "kern.version", new Variable(Type.STRING, CTL_KERN, KERN_VERSION),
            "hw.machine", new Variable(Type.STRING, CTL_HW, HW_MACHINE),
            "hw.model", new Variable(Type.STRING, CTL_HW, HW_MODEL),
            "hw.ncpu", new Variable(Type.INT, CTL_HW, HW_NCPU),
            "hw.ncpuonline", new Variable(Type.INT, CTL_HW, HW_NCPUONLINE),
            // sysctl(8) shows HW_PHYSMEM64 as hw.physmem
            "hw.physmem", new Variable(Type.QUAD, CTL_HW, HW_PHYSMEM64)));

    /** One {@code sysctl(3)} read by MIB. */
    @FunctionalInterface
    public interface MibReader {
        /**
         * The variable's bytes as the kernel returns them.
         *
         * @throws VmmException carrying the errno when the kernel refuses
         */
        byte[] read(int[] mib);
    }

    private static final class Native {
        static final OpenBsdSysctl INSTANCE = new OpenBsdSysctl(new NativeReader());
    }

    private final MibReader reader;

    /** Over {@code reader}: {@link #system()}'s native one, or recorded values in tests. */
    public OpenBsdSysctl(MibReader reader) {
        this.reader = reader;
    }

    /** The running kernel's sysctl(3), bound through the native seam at the first read. */
    public static OpenBsdSysctl system() {
        return Native.INSTANCE;
    }

    /**
     * A variable's value as {@code sysctl -n} prints it (numbers in decimal).
     *
     * @return empty when the kernel refuses (the variable does not exist on this release, or access
     *         is denied)
     * @throws IllegalArgumentException for a name this class has no MIB for
     */
    public Optional<String> read(String name) {
        Variable v = NAMES.get(name);
        if (v == null) {
            throw new IllegalArgumentException(
                    "no sysctl MIB known for '" + name + "' (known: " + NAMES.keySet() + ")");
        }
        byte[] value;
        try {
            value = reader.read(v.mib());
        } catch (VmmException e) {
            return Optional.empty();
        }
        return Optional.of(decode(name, v.type(), value));
    }

    /**
     * {@code kern.osrelease}, e.g. {@code "7.8"}.
     *
     * @throws VmmException when the kernel does not answer it (not OpenBSD)
     */
    public String osRelease() {
        return decode("kern.osrelease", Type.STRING, reader.read(new int[] {CTL_KERN, KERN_OSRELEASE}));
    }

    /** The names {@link #read} knows. */
    public static Set<String> names() {
        return NAMES.keySet();
    }

    private static String decode(String name, Type type, byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        return switch (type) {
            case STRING -> {
                int end = 0;
                while (end < value.length && value[end] != 0) {
                    end++;
                }
                yield new String(value, 0, end, StandardCharsets.UTF_8);
            }
            case INT -> {
                requireLength(name, value, 4);
                yield Integer.toString(b.getInt());
            }
            case QUAD -> {
                requireLength(name, value, 8);
                yield Long.toString(b.getLong());
            }
        };
    }

    private static void requireLength(String name, byte[] value, int length) {
        if (value.length != length) {
            throw new VmmException("sysctl " + name + " returned " + value.length + " bytes, expected " + length);
        }
    }

    /** {@code int sysctl(const int *name, u_int namelen, void *oldp, size_t *oldlenp, void *newp, size_t newlen)}. */
    private static final class NativeReader implements MibReader {
        private volatile NativeFunction sysctl;

        private NativeFunction function() {
            NativeFunction f = sysctl;
            if (f == null) {
                f = NativeAccess.get()
                        .libc()
                        .function(
                                "sysctl",
                                Signature.of(INT, POINTER, INT, POINTER, POINTER, POINTER, LONG)
                                        .withErrno());
                sysctl = f;
            }
            return f;
        }

        @Override
        public byte[] read(int[] mib) {
            NativeAccess nat = NativeAccess.get();
            NativeFunction f = function();
            try (NativeMemory name = nat.allocate(4L * mib.length);
                    NativeMemory length = nat.allocate(8)) {
                for (int i = 0; i < mib.length; i++) {
                    name.putInt(4L * i, mib[i]);
                }
                // First the size (oldp NULL), then the value: kern.version is longer than any fixed guess.
                int rc = (int) f.call(name.address(), mib.length, 0, length.address(), 0, 0);
                if (rc < 0) {
                    throw Errno.exception("sysctl(" + Arrays.toString(mib) + ")", -rc);
                }
                long size = length.getLong(0);
                if (size == 0) {
                    return new byte[0];
                }
                try (NativeMemory value = nat.allocate(size)) {
                    rc = (int) f.call(name.address(), mib.length, value.address(), length.address(), 0, 0);
                    if (rc < 0) {
                        throw Errno.exception("sysctl(" + Arrays.toString(mib) + ")", -rc);
                    }
                    return value.toArray(0, (int) length.getLong(0));
                }
            }
        }
    }
}
