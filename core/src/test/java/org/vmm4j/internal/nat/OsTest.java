package org.vmm4j.internal.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class OsTest {

    @Test
    void detectsTheSystemsByTheirOsNameValues() {
        assertEquals(Os.LINUX, Os.detect("Linux"));
        assertEquals(Os.FREEBSD, Os.detect("FreeBSD"));
        assertEquals(Os.OPENBSD, Os.detect("OpenBSD"));
        assertEquals(Os.OTHER, Os.detect("Mac OS X"));
    }

    @Test
    void backendsFollowThePropertyWhileCurrentStaysTheRunningSystem() {
        Os running = Os.current();
        Os other = running == Os.OPENBSD ? Os.FREEBSD : Os.OPENBSD;
        String before = System.getProperty(Os.BACKENDS_PROPERTY);
        try {
            System.setProperty(Os.BACKENDS_PROPERTY, other.name().toLowerCase(Locale.ROOT));
            assertEquals(other, Os.backends());
            assertEquals(running, Os.current());
            System.clearProperty(Os.BACKENDS_PROPERTY);
            assertEquals(running, Os.backends());
        } finally {
            if (before != null) {
                System.setProperty(Os.BACKENDS_PROPERTY, before);
            }
        }
    }
}
