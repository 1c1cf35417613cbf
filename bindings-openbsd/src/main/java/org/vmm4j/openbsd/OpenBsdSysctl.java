package org.vmm4j.openbsd;

import static org.vmm4j.internal.nat.CType.INT;
import static org.vmm4j.internal.nat.CType.LONG;
import static org.vmm4j.internal.nat.CType.POINTER;

import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.internal.nat.Signature;

/**
 * OpenBSD's {@code sysctl(3)} by MIB through the native seam (OpenBSD has no {@code sysctlbyname}).
 * Bound on first use, so nothing happens at class load on other systems.
 */
final class OpenBsdSysctl {
    static final int CTL_KERN = 1;
    static final int KERN_OSRELEASE = 2;

    private OpenBsdSysctl() {
    }

    /** {@code kern.osrelease}, e.g. {@code "7.8"}. */
    static String osRelease() {
        return string(CTL_KERN, KERN_OSRELEASE);
    }

    static String string(int... mib) {
        NativeAccess nat = NativeAccess.get();
        // int sysctl(const int *name, u_int namelen, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
        NativeFunction sysctl = nat.libc().function("sysctl",
                Signature.of(INT, POINTER, INT, POINTER, POINTER, POINTER, LONG).withErrno());
        try (NativeMemory name = nat.allocate(4L * mib.length); NativeMemory value = nat.allocate(256);
             NativeMemory length = nat.allocate(8)) {
            for (int i = 0; i < mib.length; i++) {
                name.putInt(4L * i, mib[i]);
            }
            length.putLong(0, value.size());
            int rc = (int) sysctl.call(name.address(), mib.length, value.address(), length.address(), 0, 0);
            if (rc < 0) {
                throw Errno.exception("sysctl(" + java.util.Arrays.toString(mib) + ")", -rc);
            }
            return value.getString(0);
        }
    }
}
