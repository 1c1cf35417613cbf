package org.vmm4j.provision.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.host.Progress;
import org.vmm4j.image.CreateMode;
import org.vmm4j.image.Qcow2Image;
import org.vmm4j.image.RawDisk;
import org.vmm4j.testsupport.HostRequirements;
import org.vmm4j.testsupport.RequiresHost;

/**
 * A real Debian 12 build with mmdebstrap from deb.debian.org (several minutes on two shared cores; 77 s on
 * an idle one), into the machine's default cache, so it runs once per machine and later runs check the
 * cached image. Skipped, with the reason, when mmdebstrap or mke2fs is missing (failed under
 * {@code VMM4J_REQUIRE_TOOLS=1}), when the process is not root, or when the mirror is unreachable (failed
 * under {@code VMM4J_REQUIRE_NETWORK=1}, which CI sets). The image is checked as a guest would see it:
 * the qcow2 read back with vmm4j's own reader into a raw disk, which debugfs reads as ext4.
 */
@Tag("image-build")
@RequiresHost(tools = {"mmdebstrap", "mke2fs", "debugfs"})
class BaseImageBuildTest {
    private static final String MIRROR_HOST = "deb.debian.org";

    @TempDir
    Path dir;

    @Test
    void buildsABootableDebian12ImageWithCloudInitSshAndTheGuestAgent() throws Exception {
        Assumptions.assumeTrue(
                BaseImageBuilder.effectiveUidIsRoot(), "needs root (mmdebstrap --mode=root); run the tests as root");
        requireMirror();
        BaseImageBuilder builder = new BaseImageBuilder(BaseImageBuilder.defaultCacheDirectory());
        List<Progress> progress = new ArrayList<>();
        long start = System.nanoTime();
        BuiltImage image = builder.build(BaseImageRecipe.named("debian-12"), p -> {
            synchronized (progress) {
                progress.add(p);
            }
        });
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        System.out.printf(
                "[vmm4j] base image %s: %s in %d s (build recorded %d s), qcow2 %d MiB, kernel %d KiB, initrd %d KiB%n",
                image.cached() ? "cached" : "built",
                image.directory(),
                seconds,
                image.buildTime().toSeconds(),
                Files.size(image.disk()) >> 20,
                Files.size(image.kernel()) >> 10,
                Files.size(image.initrd()) >> 10);
        assertTrue(progress.get(progress.size() - 1).fraction() >= 1.0, progress.toString());

        for (String p : List.of(
                "openssh-server", "cloud-init", "qemu-guest-agent", "dbus", "systemd-sysv", "linux-image-amd64")) {
            assertTrue(image.packages().containsKey(p), p + " in the image's package list " + image.packages());
        }
        assertEquals("root=/dev/vda rw console=ttyS0", image.bootSpec().cmdline());
        assertTrue(Files.size(image.kernel()) > 1 << 20, "kernel " + image.kernel());
        assertTrue(Files.size(image.initrd()) > 1 << 20, "initrd " + image.initrd());
        byte[] kernelHeader = new byte[0x206];
        try (var in = Files.newInputStream(image.kernel())) {
            assertEquals(kernelHeader.length, in.readNBytes(kernelHeader, 0, kernelHeader.length));
        }
        assertEquals("HdrS", new String(kernelHeader, 0x202, 4, StandardCharsets.US_ASCII), "a bzImage");

        long size;
        try (Qcow2Image qcow2 = Qcow2Image.open(image.disk())) {
            size = qcow2.header().virtualSize();
            byte[] superblock = new byte[1024];
            qcow2.read(1024, superblock);
            ByteBuffer sb = ByteBuffer.wrap(superblock).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0xEF53, sb.getShort(0x38) & 0xffff, "ext4 superblock magic");
            assertEquals(
                    BaseImageBuilder.ROOT_LABEL,
                    new String(superblock, 0x78, BaseImageBuilder.ROOT_LABEL.length(), StandardCharsets.US_ASCII));
        }
        assertEquals(BaseImageRecipe.DEFAULT_ROOT_SIZE, size);

        Path raw = RawDisk.fromImage(image.disk(), dir.resolve("root.raw"), 0, CreateMode.FAIL_IF_EXISTS);
        String osRelease = debugfsCat(raw, "/usr/lib/os-release");
        assertTrue(osRelease.contains("VERSION_CODENAME=bookworm"), osRelease);
        String status = debugfsCat(raw, "/var/lib/dpkg/status");
        for (String p : List.of("openssh-server", "cloud-init", "qemu-guest-agent", "dbus")) {
            assertTrue(DpkgStatus.parse(status).containsKey(p), p + " installed according to the image's dpkg status");
        }
        assertEquals(ImageTree.FSTAB, debugfsCat(raw, "/etc/fstab"));
        String sshDir = debugfs(raw, "ls -l /etc/ssh");
        assertTrue(sshDir.contains("sshd_config"), sshDir);
        assertTrue(!sshDir.contains("ssh_host_"), "no SSH host key in the image: " + sshDir);
    }

    private static String debugfsCat(Path raw, String file) throws IOException, InterruptedException {
        return debugfs(raw, "cat " + file);
    }

    /** Runs one debugfs request (its own request syntax, not a shell) on the raw file system, read-only. */
    private static String debugfs(Path raw, String request) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(HostRequirements.program("debugfs").toString(), "-R", request, raw.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "debugfs " + request);
        assertEquals(0, p.exitValue(), "debugfs -R '" + request + "' " + raw);
        return out;
    }

    /** deb.debian.org reachable on port 80, else a skip (or, under VMM4J_REQUIRE_NETWORK=1, a failure). */
    private static void requireMirror() {
        IOException last = null;
        try {
            for (InetAddress address : InetAddress.getAllByName(MIRROR_HOST)) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(address, 80), 10_000);
                    return;
                } catch (IOException e) {
                    last = e;
                }
            }
        } catch (IOException e) {
            last = e;
        }
        String why = "needs the Debian mirror " + MIRROR_HOST + ":80, unreachable: " + last;
        if ("1".equals(System.getenv("VMM4J_REQUIRE_NETWORK"))) {
            Assertions.fail(why + " [VMM4J_REQUIRE_NETWORK=1 turns this skip into a failure]");
        }
        System.out.println("[vmm4j] skipped BaseImageBuildTest: " + why);
        Assumptions.abort(why);
    }
}
