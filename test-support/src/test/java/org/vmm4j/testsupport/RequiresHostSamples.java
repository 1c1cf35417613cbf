package org.vmm4j.testsupport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Test classes that {@link RequiresHostExtensionTest} runs in a JVM of its own, with an environment of its choosing. */
final class RequiresHostSamples {
    private RequiresHostSamples() {}

    static class MethodLevel {
        @Test
        @RequiresHost(tools = "qemu-img")
        void needsQemuImg() {
            assertTrue(HostRequirement.findProgram("qemu-img", System.getenv()).isPresent());
        }

        @Test
        void needsNothing() {
            assertTrue(true);
        }

        @Test
        void decidesAtRunTime() {
            HostRequirements.requireTools("xorriso", "isoinfo");
            assertTrue(HostRequirement.findProgram("xorriso", System.getenv()).isPresent());
        }
    }

    @RequiresHost(tools = "bsdtar")
    static class ClassLevel {
        @Test
        void first() {
            assertTrue(HostRequirement.findProgram("bsdtar", System.getenv()).isPresent());
        }

        @Test
        void second() {
            assertTrue(HostRequirement.findProgram("bsdtar", System.getenv()).isPresent());
        }
    }

    static class UnknownName {
        @Test
        @RequiresHost(tools = "frobnicate")
        void needsSomethingNoPackageProvides() {
            assertTrue(true);
        }
    }
}
