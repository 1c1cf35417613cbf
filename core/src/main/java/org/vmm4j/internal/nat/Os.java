package org.vmm4j.internal.nat;

import java.util.Locale;

/** The operating systems whose hypervisors vmm4j drives; constants that differ between them live here. */
public enum Os {
    LINUX,
    FREEBSD,
    OPENBSD,
    OTHER;

    /**
     * System property naming the operating system whose backends are offered ({@code linux},
     * {@code freebsd}, {@code openbsd}), read by {@link #backends()} on every call. Tests set it to run a
     * backend's pure-Java paths (a guest manager over a control socket, through
     * {@code GuestManager.connect}) against stand-ins on another host; native code never follows it.
     */
    public static final String BACKENDS_PROPERTY = "vmm4j.os";

    private static final Os CURRENT = detect(System.getProperty("os.name", ""));

    /** The system this JVM runs on; everything native (libc constants, errno values) follows it. */
    public static Os current() {
        return CURRENT;
    }

    /**
     * The system whose backends providers offer ({@code supportsCurrentOs}): {@link #current()}, unless
     * {@value #BACKENDS_PROPERTY} names another.
     */
    public static Os backends() {
        String forced = System.getProperty(BACKENDS_PROPERTY);
        return forced == null || forced.isBlank() ? CURRENT : detect(forced);
    }

    static Os detect(String osName) {
        String name = osName.toLowerCase(Locale.ROOT);
        if (name.startsWith("linux")) {
            return LINUX;
        }
        if (name.startsWith("freebsd")) {
            return FREEBSD;
        }
        if (name.startsWith("openbsd")) {
            return OPENBSD;
        }
        return OTHER;
    }
}
