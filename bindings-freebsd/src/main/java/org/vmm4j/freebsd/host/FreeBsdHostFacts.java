package org.vmm4j.freebsd.host;

import static org.vmm4j.internal.nat.CType.INT;
import static org.vmm4j.internal.nat.CType.LONG;
import static org.vmm4j.internal.nat.CType.POINTER;

import java.util.Optional;
import org.vmm4j.host.HostFacts;
import org.vmm4j.host.LiveHostFacts;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.NativeLibrary;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.internal.nat.Signature;

/**
 * {@link HostFacts} of the running FreeBSD host: sysctls through {@code sysctl(3)} with their type from
 * the kernel (bound on first use, so this class loads anywhere), files through java.nio, programs from argument lists with a
 * timeout.
 */
public final class FreeBsdHostFacts extends LiveHostFacts {
    private static final java.util.regex.Pattern SYSCTL_NAME = java.util.regex.Pattern.compile("[a-z0-9_.%-]+");
    private volatile NativeFunction nameToMib;
    private volatile NativeFunction sysctl;

    // sys/sysctl.h: CTLTYPE_* (kind & CTLTYPE); the {0, 4} meta-OID returns a node's kind and format.
    static final int CTLTYPE = 0xf;
    static final int CTLTYPE_INT = 2,
            CTLTYPE_STRING = 3,
            CTLTYPE_S64 = 4,
            CTLTYPE_UINT = 6,
            CTLTYPE_LONG = 7,
            CTLTYPE_ULONG = 8,
            CTLTYPE_U64 = 9,
            CTLTYPE_U8 = 0xa,
            CTLTYPE_U16 = 0xb,
            CTLTYPE_S8 = 0xc,
            CTLTYPE_S16 = 0xd,
            CTLTYPE_S32 = 0xe,
            CTLTYPE_U32 = 0xf;
    private static final int CTL_MAXNAME = 24;

    /**
     * Binds nothing yet: sysctl(3) is looked up on the first {@link #sysctl} call;
     * programs run for at most {@link LiveHostFacts#PROGRAM_TIMEOUT}.
     */
    public FreeBsdHostFacts() {}

    @Override
    public Optional<String> sysctl(String name) {
        if (!SYSCTL_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a sysctl name: " + name);
        }
        bind();
        NativeAccess n = NativeAccess.get();
        try (NativeMemory cName = Libc.get().cString(name);
                NativeMemory mib = n.allocate(4L * (CTL_MAXNAME + 2));
                NativeMemory len = n.allocate(8);
                NativeMemory kind = n.allocate(1024)) {
            // The value's type: sysctlnametomib, then the {0, 4, mib...} meta-OID.
            len.putLong(0, CTL_MAXNAME);
            if (nameToMib.call(cName.address(), mib.address() + 8, len.address()) < 0) {
                return Optional.empty();
            }
            int miblen = (int) len.getLong(0);
            mib.putInt(0, 0);
            mib.putInt(4, 4);
            len.putLong(0, kind.size());
            if (sysctl.call(mib.address(), miblen + 2, kind.address(), len.address(), 0, 0) < 0) {
                return Optional.empty();
            }
            int type = kind.getInt(0) & CTLTYPE;
            len.putLong(0, 0);
            if (sysctl.call(mib.address() + 8, miblen, 0, len.address(), 0, 0) < 0) {
                return Optional.empty();
            }
            long size = len.getLong(0);
            if (size <= 0 || size > 1 << 20) {
                return Optional.of("");
            }
            try (NativeMemory value = n.allocate(size)) {
                if (sysctl.call(mib.address() + 8, miblen, value.address(), len.address(), 0, 0) < 0) {
                    return Optional.empty();
                }
                return Optional.of(decode(value, (int) len.getLong(0), type));
            }
        }
    }

    private void bind() {
        if (sysctl == null) {
            NativeLibrary libc = NativeAccess.get().libc();
            nameToMib = libc.function(
                    "sysctlnametomib",
                    Signature.of(INT, POINTER, POINTER, POINTER).withErrno());
            sysctl = libc.function(
                    "sysctl",
                    Signature.of(INT, POINTER, INT, POINTER, POINTER, POINTER, LONG)
                            .withErrno());
        }
    }

    /** A value of CTLTYPE {@code type} as text; arrays of integers are space-separated, opaque data hex. */
    static String decode(NativeMemory value, int size, int type) {
        int width;
        boolean signed;
        switch (type) {
            case CTLTYPE_STRING -> {
                return value.slice(0, size).getString(0);
            }
            case CTLTYPE_INT, CTLTYPE_S32 -> {
                width = 4;
                signed = true;
            }
            case CTLTYPE_UINT, CTLTYPE_U32 -> {
                width = 4;
                signed = false;
            }
            case CTLTYPE_LONG, CTLTYPE_S64 -> {
                width = 8;
                signed = true;
            }
            case CTLTYPE_ULONG, CTLTYPE_U64 -> {
                width = 8;
                signed = false;
            }
            case CTLTYPE_U8, CTLTYPE_S8 -> {
                width = 1;
                signed = type == CTLTYPE_S8;
            }
            case CTLTYPE_U16, CTLTYPE_S16 -> {
                width = 2;
                signed = type == CTLTYPE_S16;
            }
            default -> {
                StringBuilder hex = new StringBuilder();
                for (int i = 0; i < size; i++) {
                    hex.append(String.format("%02x", value.getByte(i)));
                }
                return hex.toString();
            }
        }
        StringBuilder out = new StringBuilder();
        for (int off = 0; off + width <= size; off += width) {
            long v = switch (width) {
                case 1 -> signed ? value.getByte(off) : value.getUnsignedByte(off);
                case 2 -> signed ? value.getShort(off) : value.getUnsignedShort(off);
                case 4 -> signed ? value.getInt(off) : value.getUnsignedInt(off);
                default -> value.getLong(off);
            };
            if (out.length() > 0) {
                out.append(' ');
            }
            out.append(width == 8 && !signed ? Long.toUnsignedString(v) : Long.toString(v));
        }
        return out.toString();
    }
}
