package org.vmm4j;

import org.vmm4j.host.HostMessages;
import org.vmm4j.text.Message;

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

    /** For people: "yes", "no" or "unknown" in the reader's locale. */
    public Message text() {
        return HostMessages.CATALOG.message("fact." + label());
    }

    public boolean isYes() {
        return this == YES;
    }
}
