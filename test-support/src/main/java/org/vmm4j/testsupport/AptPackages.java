package org.vmm4j.testsupport;

import static java.util.Map.entry;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where each host program and file the tests use comes from on Debian 12: what a skip tells the reader to
 * install, and the list {@code .ci/test} installs. A requirement naming something not listed here is a
 * mistake in the test (the skip could not say what to install), so it is rejected.
 */
final class AptPackages {
    private static final String APT = "apt package ";
    private static final Map<String, String> PROGRAMS = Map.ofEntries(
            entry("bsdtar", "libarchive-tools"),
            entry("bzip2", "bzip2"),
            entry("cloud-localds", "cloud-image-utils"),
            entry("cpio", "cpio"),
            entry("debugfs", "e2fsprogs"),
            entry("gcc", "gcc"),
            entry("isoinfo", "genisoimage"),
            entry("libvirtd", "libvirt-daemon-system"),
            entry("lz4", "lz4"),
            entry("mke2fs", "e2fsprogs"),
            entry("mmdebstrap", "mmdebstrap"),
            entry("qemu-img", "qemu-utils"),
            entry("qemu-io", "qemu-utils"),
            entry("qemu-system-x86_64", "qemu-system-x86"),
            entry("ssh-keygen", "openssh-client"),
            entry("sshd", "openssh-server"),
            entry("virsh", "libvirt-clients"),
            entry("virt-ssh-helper", "libvirt-daemon-system"), // through its dependency libvirt-daemon
            entry("virtlogd", "libvirt-daemon-system"),
            entry("xorriso", "xorriso"),
            entry("xz", "xz-utils"),
            entry("zstd", "zstd"));

    private static final Map<String, String> FILES = Map.ofEntries(
            entry(RequiresHost.BUSYBOX_STATIC, "apt package busybox-static"),
            entry(RequiresHost.DEBIAN_KERNEL, "apt package linux-image-amd64"),
            entry(RequiresHost.JDK_17, "apt package openjdk-17-jdk-headless"),
            entry(RequiresHost.LIBC_HEADERS, "apt package libc6-dev"),
            entry(RequiresHost.KVM_HEADER, "apt package linux-libc-dev"),
            entry(RequiresHost.BOOTPARAM_HEADER, "apt package linux-libc-dev"),
            entry(RequiresHost.LIBVIRT_HEADER, "apt package libvirt-dev"),
            entry(RequiresHost.LIBVIRT_LIBRARY, "apt package libvirt0"),
            entry(RequiresHost.KVM_DEBUGFS, "debugfs mounted: mount -t debugfs none /sys/kernel/debug"));

    private AptPackages() {}

    /** Every Debian package named here: what {@code .ci/test} must install. */
    static Set<String> all() {
        Set<String> packages = new TreeSet<>(PROGRAMS.values());
        for (String remedy : FILES.values()) {
            if (remedy.startsWith(APT)) {
                packages.add(remedy.substring(APT.length()));
            }
        }
        return packages;
    }

    /** The Debian package that installs {@code program}. */
    static String forProgram(String program) {
        String apt = PROGRAMS.get(program);
        if (apt == null) {
            throw new IllegalArgumentException("no apt package known for program " + program + ": add it to "
                    + AptPackages.class.getName() + " and to .ci/test");
        }
        return apt;
    }

    /** How to get {@code file} (usually "apt package ..."). */
    static String forFile(String file) {
        String remedy = FILES.get(file);
        if (remedy == null) {
            throw new IllegalArgumentException("no apt package known for file " + file + ": add it to "
                    + AptPackages.class.getName() + " and to .ci/test");
        }
        return remedy;
    }
}
