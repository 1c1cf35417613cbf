package org.vmm4j.provision.build;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.vmm4j.image.DiskSize;

/**
 * What a base image is made of: a Debian suite for one architecture, the packages installed on top of
 * mmdebstrap's {@code minbase} variant, the size of the root file system and the kernel command line.
 * Its {@link #cacheKey()} is the SHA-256 of everything that changes the image's content, so a recipe
 * built once is found again without running anything.
 *
 * @param name         the name users give ({@code debian-12})
 * @param distribution {@code debian}
 * @param suite        the Debian suite ({@code bookworm})
 * @param architecture the Debian architecture ({@code amd64})
 * @param packages     installed on top of {@code minbase}: sorted, each once
 * @param rootSize     bytes of the ext4 root file system, and the image's virtual size
 * @param mirror       where packages come from; not part of the cache key (the same packages from another
 *                     mirror make the same image)
 */
public record BaseImageRecipe(
        String name,
        String distribution,
        String suite,
        String architecture,
        List<String> packages,
        long rootSize,
        URI mirror) {

    /**
     * Changes whenever the builder makes a different image from the same recipe (another customization of
     * the tree, other mke2fs options): part of the cache key, so an older build is not taken for a newer.
     */
    public static final int BUILDER_VERSION = 1;

    /** The recipe names {@link #named} knows. */
    public static final List<String> NAMES = List.of("debian-12");

    /** 2 GiB: the packages take about 800 MB; cloud-init grows the file system to a larger disk at first boot. */
    public static final long DEFAULT_ROOT_SIZE = 2L << 30;

    /** Debian's own mirror network. */
    public static final URI DEBIAN_MIRROR = URI.create("http://deb.debian.org/debian");

    /**
     * What a managed guest needs on top of {@code minbase}. The kernel and its initramfs generator boot it;
     * systemd-sysv is the init, udev names its devices, and dbus lets {@code systemctl} work over SSH (the
     * agent workflow starts a systemd unit; {@code minbase} has no dbus). cloud-init applies the NoCloud
     * seed (users, keys, host name, network), and ifupdown with isc-dhcp-client is the network stack its
     * Debian renderer writes for. openssh-server lets the workflow in, sudo lets the seeded user act as
     * root, and qemu-guest-agent reports the guest's addresses to libvirt.
     */
    public static final List<String> DEBIAN_12_PACKAGES = List.of(
            "cloud-init",
            "dbus",
            "ifupdown",
            "initramfs-tools",
            "isc-dhcp-client",
            "linux-image-amd64",
            "openssh-server",
            "qemu-guest-agent",
            "sudo",
            "systemd-sysv",
            "udev");

    /** Debian policy's package names: lower case letters, digits, {@code + - .}, at least two, starting alphanumeric. */
    private static final Pattern PACKAGE_NAME = Pattern.compile("[a-z0-9][a-z0-9+.-]+");

    private static final Pattern WORD = Pattern.compile("[a-z0-9][a-z0-9-]*");

    public BaseImageRecipe {
        Objects.requireNonNull(name, "name");
        requireWord("distribution", distribution);
        requireWord("suite", suite);
        requireWord("architecture", architecture);
        packages = sortedPackages(packages);
        DiskSize.requireValid(rootSize);
        Objects.requireNonNull(mirror, "mirror");
        String scheme = mirror.getScheme() == null ? "" : mirror.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") && !scheme.equals("file")) {
            throw new IllegalArgumentException("mirror must be an http, https or file URI, got " + mirror);
        }
    }

    /**
     * The recipe called {@code name}: {@code debian-12} is Debian bookworm for amd64 with
     * {@link #DEBIAN_12_PACKAGES}, a {@link #DEFAULT_ROOT_SIZE} root and {@link #DEBIAN_MIRROR}.
     *
     * @throws IllegalArgumentException for any other name (the message lists the known ones)
     */
    public static BaseImageRecipe named(String name) {
        if ("debian-12".equals(name)) {
            return new BaseImageRecipe(
                    name, "debian", "bookworm", "amd64", DEBIAN_12_PACKAGES, DEFAULT_ROOT_SIZE, DEBIAN_MIRROR);
        }
        throw new IllegalArgumentException("no base image recipe '" + name + "'; known: " + String.join(", ", NAMES));
    }

    /** This recipe with {@code extra} packages installed too. */
    public BaseImageRecipe withExtraPackages(Collection<String> extra) {
        List<String> all = new ArrayList<>(packages);
        all.addAll(extra);
        return new BaseImageRecipe(name, distribution, suite, architecture, all, rootSize, mirror);
    }

    /** This recipe with a root file system of {@code bytes}. */
    public BaseImageRecipe withRootSize(long bytes) {
        return new BaseImageRecipe(name, distribution, suite, architecture, packages, bytes, mirror);
    }

    /** This recipe with packages from {@code uri}. */
    public BaseImageRecipe withMirror(URI uri) {
        return new BaseImageRecipe(name, distribution, suite, architecture, packages, rootSize, uri);
    }

    /**
     * The text the cache key hashes, one {@code key=value} a line: builder version, distribution, suite,
     * architecture, variant, the sorted package list and the root size.
     */
    public String cacheKeyText() {
        return "vmm4j base image\n"
                + "builder=" + BUILDER_VERSION + "\n"
                + "distribution=" + distribution + "\n"
                + "suite=" + suite + "\n"
                + "architecture=" + architecture + "\n"
                + "variant=minbase\n"
                + "packages=" + String.join(",", packages) + "\n"
                + "root-size=" + rootSize + "\n";
    }

    /** SHA-256 of {@link #cacheKeyText()}, in hex: the name of the image's cache directory. */
    public String cacheKey() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(cacheKeyText().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static List<String> sortedPackages(List<String> packages) {
        Objects.requireNonNull(packages, "packages");
        TreeSet<String> sorted = new TreeSet<>();
        for (String p : packages) {
            if (p == null || !PACKAGE_NAME.matcher(p).matches()) {
                throw new IllegalArgumentException("not a Debian package name: '" + p
                        + "' (lower case letters, digits, '+', '-', '.'; at least two characters)");
            }
            sorted.add(p);
        }
        if (sorted.isEmpty()) {
            throw new IllegalArgumentException("a base image needs packages (at least a kernel)");
        }
        return List.copyOf(sorted);
    }

    private static void requireWord(String what, String value) {
        if (value == null || !WORD.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    what + " must be lower case letters, digits and '-', got '" + value + "'");
        }
    }
}
