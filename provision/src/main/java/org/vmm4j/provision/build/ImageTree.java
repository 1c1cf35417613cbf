package org.vmm4j.provision.build;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The directory tree mmdebstrap installed, between install and packing: checked against the recipe and
 * turned into an image. Every file is written without following a symbolic link that a package might have
 * left at its name (the build runs as root, outside the chroot).
 */
final class ImageTree {
    static final String FSTAB = "LABEL=" + BaseImageBuilder.ROOT_LABEL + " / ext4 rw,errors=remount-ro 0 1\n";
    static final String HOSTS = "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n";
    /** cloud-init sets the guest's name from its seed; until then it is this. */
    static final String HOSTNAME = "localhost\n";

    private ImageTree() {}

    /**
     * Checks that the tree is the recipe's: its os-release names the recipe's suite, and dpkg lists every
     * recipe package as installed.
     *
     * @return the installed packages with their versions
     * @throws ImageBuildException naming what does not match
     */
    static Map<String, String> check(Path tree, BaseImageRecipe recipe) {
        String codename = osRelease(tree, "VERSION_CODENAME");
        if (!recipe.suite().equals(codename)) {
            throw new ImageBuildException("the tree in " + tree + " is not Debian " + recipe.suite()
                    + ": its os-release says VERSION_CODENAME=" + codename);
        }
        Map<String, String> installed = DpkgStatus.installed(tree);
        List<String> missing = new ArrayList<>();
        for (String p : recipe.packages()) {
            if (!installed.containsKey(p)) {
                missing.add(p);
            }
        }
        if (!missing.isEmpty()) {
            throw new ImageBuildException("mmdebstrap finished but these packages are not installed in " + tree
                    + " according to " + DpkgStatus.FILE + ": " + String.join(", ", missing));
        }
        return installed;
    }

    /** A field of the tree's os-release ({@code usr/lib/os-release}, else {@code etc/os-release}), unquoted. */
    static String osRelease(Path tree, String field) {
        Path file = tree.resolve("usr/lib/os-release");
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            file = tree.resolve("etc/os-release");
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new ImageBuildException("the tree in " + tree + " has no os-release (usr/lib or etc)");
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.startsWith(field + "=")) {
                    String value = line.substring(field.length() + 1).strip();
                    if (value.length() >= 2 && (value.startsWith("\"") || value.startsWith("'"))) {
                        value = value.substring(1, value.length() - 1);
                    }
                    return value;
                }
            }
        } catch (IOException e) {
            throw new ImageBuildException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return "";
    }

    /**
     * Makes the installed tree an image: an fstab mounting the root file system by its label, a neutral
     * host name and hosts file, no SSH host keys (cloud-init generates each guest's own at first boot) and
     * no copy of the build host's resolv.conf (the guest's DHCP client writes its own).
     */
    static void customize(Path tree) throws IOException {
        writeNew(tree.resolve("etc/fstab"), FSTAB);
        writeNew(tree.resolve("etc/hostname"), HOSTNAME);
        writeNew(tree.resolve("etc/hosts"), HOSTS);
        Files.deleteIfExists(tree.resolve("etc/resolv.conf"));
        Path ssh = tree.resolve("etc/ssh");
        if (Files.isDirectory(ssh, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> keys = Files.newDirectoryStream(ssh, "ssh_host_*")) {
                for (Path key : keys) {
                    Files.delete(key);
                }
            }
        }
    }

    /**
     * Copies the newest kernel in the tree's {@code /boot} that has an initrd ({@code vmlinuz-V} with
     * {@code initrd.img-V}) to {@code kernel} and {@code initrd}.
     *
     * @throws ImageBuildException when {@code /boot} has no such pair (the message lists what it has)
     */
    static String copyKernel(Path tree, Path kernel, Path initrd) throws IOException {
        Path boot = tree.resolve("boot");
        TreeSet<String> versions = new TreeSet<>();
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(boot, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(boot)) {
                for (Path p : entries) {
                    String name = p.getFileName().toString();
                    names.add(name);
                    if (name.startsWith("vmlinuz-")
                            && Files.isRegularFile(
                                    boot.resolve("initrd.img-" + name.substring(8)), LinkOption.NOFOLLOW_LINKS)
                            && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        versions.add(name.substring(8));
                    }
                }
            }
        }
        if (versions.isEmpty()) {
            names.sort(null);
            throw new ImageBuildException("the tree's /boot has no kernel with an initrd (vmlinuz-V and"
                    + " initrd.img-V); it holds " + names + ": is linux-image-* and initramfs-tools in the recipe?");
        }
        String version = versions.last();
        Files.copy(boot.resolve("vmlinuz-" + version), kernel, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(boot.resolve("initrd.img-" + version), initrd, StandardCopyOption.REPLACE_EXISTING);
        return version;
    }

    /** Replaces {@code file} with {@code content}; a symbolic link at its name is removed, never followed. */
    static void writeNew(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        Files.writeString(
                file, content, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }
}
