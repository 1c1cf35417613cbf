package org.vmm4j;

/** A yes/no fact about the host that may also be unknown: unknown is never reported as false. */
public enum Fact {
    YES,
    NO,
    UNKNOWN;

    public static Fact of(boolean value) {
        return value ? YES : NO;
    }

    /** {@code "yes"}, {@code "no"} or {@code "unknown"}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public boolean isYes() {
        return this == YES;
    }
}
