package org.vmm4j.provision.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.host.Progress;
import org.vmm4j.image.CreateMode;
import org.vmm4j.image.Qcow2Image;
import org.vmm4j.image.RawDisk;
import org.vmm4j.testsupport.HostRequirements;
import org.vmm4j.testsupport.RequiresHost;

/**
 * The builder against stand-in programs: shell scripts named mmdebstrap (which records its arguments and
 * lays out a small Debian-shaped tree, or fails) and mke2fs (the real one, or a failing script), in a
 * directory that is the builder's whole search path.
 */
class BaseImageBuilderTest {
    private static final BaseImageRecipe RECIPE =
            BaseImageRecipe.named("debian-12").withRootSize(16L << 20);

    @TempDir
    Path dir;

    private Path bin() throws IOException {
        return Files.createDirectories(dir.resolve("bin"));
    }

    private Path cache() {
        return dir.resolve("cache");
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** An mmdebstrap that appends its arguments to {@code args} and makes a tree with {@code packages} installed. */
    private Path fakeMmdebstrap(List<String> packages) throws IOException {
        Path args = dir.resolve("mmdebstrap.args");
        StringBuilder status = new StringBuilder();
        for (String p : packages) {
            status.append("Package: ").append(p).append("\\nStatus: install ok installed\\nVersion: 1.0-test\\n\\n");
        }
        script(
                bin().resolve("mmdebstrap"),
                "printf '%s\\n' \"$@\" >> '" + args + "'\n"
                        + "echo '--' >> '" + args + "'\n"
                        + "tree=$7\n"
                        + "echo 'I: running apt-get update...' >&2\n"
                        + "mkdir -p \"$tree/usr/lib\" \"$tree/etc/ssh\" \"$tree/boot\" \"$tree/var/lib/dpkg\"\n"
                        + "printf 'ID=debian\\nVERSION_CODENAME=bookworm\\n' > \"$tree/usr/lib/os-release\"\n"
                        + "ln -s ../usr/lib/os-release \"$tree/etc/os-release\"\n"
                        + "printf '" + status + "' > \"$tree/var/lib/dpkg/status\"\n"
                        + "printf 'the kernel' > \"$tree/boot/vmlinuz-6.1.0-test\"\n"
                        + "printf 'the initrd' > \"$tree/boot/initrd.img-6.1.0-test\"\n"
                        + "printf 'private' > \"$tree/etc/ssh/ssh_host_ed25519_key\"\n"
                        + "printf 'Port 22\\n' > \"$tree/etc/ssh/sshd_config\"\n"
                        + "echo 'build host' > \"$tree/etc/hostname\"\n"
                        + "echo 'I: installing remaining packages inside the chroot...' >&2\n");
        return args;
    }

    private void realMke2fs() throws IOException {
        Files.createSymbolicLink(bin().resolve("mke2fs"), HostRequirements.program("mke2fs"));
    }

    private BaseImageBuilder builder(boolean root) throws IOException {
        return new BaseImageBuilder(cache(), List.of(bin()), () -> root);
    }

    private List<String> leftInCache() throws IOException {
        if (!Files.exists(cache())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cache())) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    void mmdebstrapGetsRootModeMinbaseTheArchitectureThePackagesSuiteTargetAndMirror() {
        assertEquals(
                List.of(
                        "--mode=root",
                        "--format=directory",
                        "--variant=minbase",
                        "--architectures=amd64",
                        "--include=cloud-init,dbus,ifupdown,initramfs-tools,isc-dhcp-client,linux-image-amd64,"
                                + "openssh-server,qemu-guest-agent,sudo,systemd-sysv,udev",
                        "bookworm",
                        "/work/tree",
                        "http://deb.debian.org/debian"),
                BaseImageBuilder.mmdebstrapArguments(BaseImageRecipe.named("debian-12"), Path.of("/work/tree")));
    }

    @Test
    void mke2fsMakesALabelledExt4FromTheTreeOfTheRecipesSizeInKib() {
        assertEquals(
                List.of(
                        "-q",
                        "-F",
                        "-t",
                        "ext4",
                        "-L",
                        "vmm4j-root",
                        "-d",
                        "/work/tree",
                        "/work/root.ext4",
                        "2097152k"),
                BaseImageBuilder.mke2fsArguments(
                        BaseImageRecipe.named("debian-12"), Path.of("/work/tree"), Path.of("/work/root.ext4")));
    }

    @Test
    void missingMmdebstrapIsNamedWithItsAptPackageAndNothingIsLeft() throws IOException {
        bin();
        ImageBuildException e =
                assertThrows(ImageBuildException.class, () -> builder(true).build(RECIPE, p -> {}));
        assertTrue(e.getMessage().startsWith("mmdebstrap is not installed"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install mmdebstrap"), e.getMessage());
        assertEquals(List.of(), leftInCache());
    }

    @Test
    void missingMke2fsIsNamedWithItsAptPackage() throws IOException {
        fakeMmdebstrap(RECIPE.packages());
        ImageBuildException e =
                assertThrows(ImageBuildException.class, () -> builder(true).build(RECIPE, p -> {}));
        assertTrue(e.getMessage().startsWith("mke2fs is not installed"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install e2fsprogs"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("mmdebstrap.args")), "nothing ran");
    }

    @Test
    void refusesToBuildWithoutRootBeforeRunningAnything() throws IOException {
        fakeMmdebstrap(RECIPE.packages());
        script(bin().resolve("mke2fs"), "exit 0\n");
        ImageBuildException e =
                assertThrows(ImageBuildException.class, () -> builder(false).build(RECIPE, p -> {}));
        assertTrue(e.getMessage().startsWith("building a base image needs root"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("mmdebstrap.args")), "nothing ran");
        assertEquals(List.of(), leftInCache());
    }

    @Test
    void failingMmdebstrapIsReportedWithItsLastLinesAndLeavesNothingInTheCache() throws IOException {
        script(
                bin().resolve("mmdebstrap"),
                "mkdir -p \"$7/etc\" && echo half > \"$7/etc/half-installed\"\n"
                        + "echo 'E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease' >&2\n"
                        + "exit 1\n");
        script(bin().resolve("mke2fs"), "exit 0\n");
        ImageBuildException e =
                assertThrows(ImageBuildException.class, () -> builder(true).build(RECIPE, p -> {}));
        assertTrue(e.getMessage().startsWith("mmdebstrap exited with status 1"), e.getMessage());
        assertTrue(e.getMessage().contains("E: Failed to fetch"), e.getMessage());
        assertEquals(List.of(), leftInCache(), "the half-installed tree is deleted");
    }

    @Test
    void failingMke2fsAfterTheInstallLeavesNothingInTheCache() throws IOException {
        fakeMmdebstrap(RECIPE.packages());
        script(bin().resolve("mke2fs"), "echo 'mke2fs: Could not allocate block in ext2 filesystem' >&2\nexit 1\n");
        ImageBuildException e =
                assertThrows(ImageBuildException.class, () -> builder(true).build(RECIPE, p -> {}));
        assertTrue(e.getMessage().startsWith("mke2fs exited with status 1"), e.getMessage());
        assertTrue(e.getMessage().contains("Could not allocate block"), e.getMessage());
        assertEquals(List.of(), leftInCache(), "tree, kernel copies and build directory are deleted");
        assertTrue(builder(true).cached(RECIPE).isEmpty());
    }

    @Test
    void aTreeWithoutARecipePackageIsRefusedNamingIt() throws IOException {
        List<String> fewer = new ArrayList<>(RECIPE.packages());
        fewer.remove("qemu-guest-agent");
        fakeMmdebstrap(fewer);
        realMke2fs();
        ImageBuildException e =
                assertThrows(ImageBuildException.class, () -> builder(true).build(RECIPE, p -> {}));
        assertTrue(e.getMessage().contains("not installed"), e.getMessage());
        assertTrue(e.getMessage().endsWith(": qemu-guest-agent"), e.getMessage());
        assertEquals(List.of(), leftInCache());
    }

    @Test
    @RequiresHost(tools = {"mke2fs", "debugfs"})
    void buildPublishesQcow2KernelAndInitrdAndTheSecondBuildIsACacheHitThatRunsNothing() throws Exception {
        Path args = fakeMmdebstrap(RECIPE.packages());
        realMke2fs();
        List<Progress> progress = new ArrayList<>();
        BuiltImage image = builder(true).build(RECIPE, progress::add);

        assertFalse(image.cached());
        assertEquals(cache().resolve(RECIPE.cacheKey()), image.directory());
        assertEquals(List.of(RECIPE.cacheKey()), leftInCache(), "only the published image, no build directory");
        List<String> ran = Files.readAllLines(args);
        assertEquals(BaseImageBuilder.mmdebstrapArguments(RECIPE, Path.of(ran.get(6))), ran.subList(0, 8));
        assertTrue(ran.get(6).startsWith(cache().toString()), "the tree is built inside the cache: " + ran.get(6));
        assertEquals("the kernel", Files.readString(image.kernel()));
        assertEquals("the initrd", Files.readString(image.initrd()));
        assertEquals(BaseImageBuilder.KERNEL_COMMAND_LINE, image.bootSpec().cmdline());
        assertEquals(image.kernel().toString(), image.bootSpec().kernel());
        assertEquals("1.0-test", image.packages().get("cloud-init"));
        assertEquals(6, progress.get(progress.size() - 1).index());
        assertTrue(progress.stream().anyMatch(p -> p.message().contains("installing remaining packages")));

        try (Qcow2Image qcow2 = Qcow2Image.open(image.disk())) {
            assertEquals(16L << 20, qcow2.header().virtualSize());
            byte[] superblock = new byte[1024];
            qcow2.read(1024, superblock);
            assertEquals(
                    0xEF53,
                    ByteBuffer.wrap(superblock).order(ByteOrder.LITTLE_ENDIAN).getShort(0x38) & 0xffff);
        }
        Path raw = RawDisk.fromImage(image.disk(), dir.resolve("root.raw"), 0, CreateMode.FAIL_IF_EXISTS);
        assertEquals(ImageTree.FSTAB, debugfs(raw, "cat /etc/fstab"));
        assertEquals(ImageTree.HOSTNAME, debugfs(raw, "cat /etc/hostname"));
        String ssh = debugfs(raw, "ls /etc/ssh");
        assertTrue(ssh.contains("sshd_config") && !ssh.contains("ssh_host_"), ssh);

        List<Progress> second = new ArrayList<>();
        BuiltImage again = builder(true).build(RECIPE, second::add);
        assertTrue(again.cached());
        assertEquals(image.disk(), again.disk());
        assertEquals(ran, Files.readAllLines(args), "mmdebstrap did not run again");
        assertEquals(1, second.size(), second.toString());
    }

    @Test
    void aBuildDirectoryWithSomethingMountedInsideIsNeverDeleted() throws Exception {
        Assumptions.assumeTrue(BaseImageBuilder.effectiveUidIsRoot(), "mounting a tmpfs needs root");
        Path proc = Files.createDirectories(dir.resolve("work/tree/proc"));
        assertEquals(
                0,
                new ProcessBuilder("mount", "-t", "tmpfs", "vmm4j-test", proc.toString())
                        .inheritIO()
                        .start()
                        .waitFor());
        try {
            Path inside = Files.writeString(proc.resolve("host-file"), "must survive");
            ImageBuildException e =
                    assertThrows(ImageBuildException.class, () -> BaseImageBuilder.deleteTree(dir.resolve("work")));
            assertTrue(e.getMessage().contains(proc.toRealPath() + " is still mounted inside"), e.getMessage());
            assertEquals("must survive", Files.readString(inside));
        } finally {
            assertEquals(
                    0,
                    new ProcessBuilder("umount", proc.toString())
                            .inheritIO()
                            .start()
                            .waitFor());
        }
        BaseImageBuilder.deleteTree(dir.resolve("work"));
        assertFalse(Files.exists(dir.resolve("work")));
    }

    private static String debugfs(Path raw, String request) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(HostRequirements.program("debugfs").toString(), "-R", request, raw.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "debugfs -R '" + request + "'");
        return out;
    }
}
