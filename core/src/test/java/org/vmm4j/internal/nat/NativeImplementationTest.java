package org.vmm4j.internal.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.vmm4j.Hypervisor;

/** Which implementation of the seam runs, and what happens when JNA is needed but absent. */
class NativeImplementationTest {

    /** {@code ffm} on JDK 22+, {@code jna} below it or with {@code -Dvmm4j.native=jna}. */
    static String expectedImplementation() {
        boolean forcedJna = "jna"
                .equalsIgnoreCase(System.getProperty(NativeAccess.PROPERTY, "").trim());
        return Runtime.version().feature() < 22 || forcedJna ? "jna" : "ffm";
    }

    @Test
    void activeImplementationIsJnaBelowJdk22OrWhenForcedElseFfm() {
        String expected = expectedImplementation();
        System.out.println("native seam: " + NativeAccess.describe() + " on JDK " + Runtime.version());
        assertEquals(expected, NativeAccess.get().implementation());
        assertEquals(expected, Libc.get().access().implementation());
    }

    @Test
    void probeReportsTheImplementationInUse() {
        assertEquals(expectedImplementation(), Hypervisor.probe().nativeAccess());
    }

    /**
     * vmm4j-core's classes in a loader that cannot see JNA: choosing JNA (as on JDK 17-21) must fail
     * with a message that tells the user which artifact to add.
     */
    @Test
    void missingJnaFailsNamingTheArtifact() throws Exception {
        Assumptions.assumeFalse(
                visibleToPlatformLoader("com.sun.jna.Native"),
                "JNA is on the boot class path (as .ci/test-jdk17 puts it): no loader can hide it");
        URL core = NativeAccess.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader withoutJna = new URLClassLoader(new URL[] {core}, ClassLoader.getPlatformClassLoader())) {
            Class<?> isolated = Class.forName(NativeAccess.class.getName(), true, withoutJna);
            assertEquals(withoutJna, isolated.getClassLoader(), "core must come from the isolated loader");
            Method select = isolated.getDeclaredMethod("select", String.class, int.class);
            select.setAccessible(true);
            for (String forced : new String[] {"", "jna"}) {
                InvocationTargetException e = org.junit.jupiter.api.Assertions.assertThrows(
                        InvocationTargetException.class, () -> select.invoke(null, forced, 17));
                String message = e.getCause().getMessage();
                assertEquals(
                        "org.vmm4j.HypervisorUnavailableException",
                        e.getCause().getClass().getName());
                assertTrue(message.contains("net.java.dev.jna:jna"), message);
                assertTrue(message.contains("JDK " + Runtime.version().feature()), message);
            }
        }
    }

    private static boolean visibleToPlatformLoader(String className) {
        try {
            Class.forName(className, false, ClassLoader.getPlatformClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
