package org.vmm4j.linux.guest;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.vmm4j.linux.internal.Libvirt;

/**
 * Reaching libvirtd for the integration tests: connects to {@code qemu:///system}, and when that fails
 * and this process runs as root, starts {@code virtlogd -d} and {@code libvirtd -d} by hand (these
 * machines have no systemd) and waits for the socket.
 */
final class LibvirtDaemons {
    static final boolean REQUIRED = "1".equals(System.getenv("VMM4J_REQUIRE_LIBVIRTD"));

    private LibvirtDaemons() {
    }

    /** Skips, or fails when {@code VMM4J_REQUIRE_LIBVIRTD=1}, unless {@code condition} holds. */
    static void assumeOrFail(boolean condition, String reason) {
        if (!condition && REQUIRED) {
            throw new AssertionError(reason + " (VMM4J_REQUIRE_LIBVIRTD=1 turns this skip into a failure)");
        }
        assumeTrue(condition, reason);
    }

    /** {@code null} when qemu:///system answers, else why not. */
    static String ensureRunning() {
        if (!Libvirt.isAvailable()) {
            return "libvirt.so.0 is not installed";
        }
        if (reachable()) {
            return null;
        }
        if (!Files.isExecutable(Path.of("/usr/sbin/libvirtd"))) {
            return "libvirtd is not installed (apt-get install libvirt-daemon-system qemu-system-x86)";
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "libvirtd is not running and only root may start it";
        }
        try {
            if (Files.isExecutable(Path.of("/usr/sbin/virtlogd"))) {
                run(List.of("/usr/sbin/virtlogd", "-d"));
            }
            run(List.of("/usr/sbin/libvirtd", "-d"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline) {
                if (reachable()) {
                    return null;
                }
                Thread.sleep(250);
            }
            return "started libvirtd but qemu:///system did not answer within 20 s";
        } catch (Exception e) {
            return "cannot start libvirtd: " + e;
        }
    }

    private static boolean reachable() {
        try (LibvirtGuestManager probe = LibvirtGuestManager.connect("qemu:///system")) {
            return probe.isAlive();
        } catch (LibvirtException e) {
            return false;
        }
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        p.waitFor(20, TimeUnit.SECONDS);
    }
}
