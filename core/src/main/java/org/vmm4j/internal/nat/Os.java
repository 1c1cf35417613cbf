package org.vmm4j.internal.nat;

import java.util.Locale;

/** The operating systems whose hypervisors vmm4j drives; constants that differ between them live here. */
public enum Os {
    LINUX, FREEBSD, OPENBSD, OTHER;

    private static final Os CURRENT = detect(System.getProperty("os.name", ""));

    public static Os current() {
        return CURRENT;
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
