package org.vmm4j.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ImageCatalogTest {
    private final ImageCatalog catalog = ImageCatalog.builtIn();

    private Set<String> distributions(String hypervisor) {
        return catalog.forHypervisor(hypervisor).stream()
                .map(GuestImage::distribution)
                .collect(Collectors.toSet());
    }

    @Test
    void coversTheDistributionsEachHypervisorNeeds() {
        assertTrue(
                distributions("kvm")
                        .containsAll(
                                Set.of("ubuntu", "debian", "fedora", "almalinux", "rocky", "alpine", "opensuse-leap")),
                distributions("kvm").toString());
        assertTrue(distributions("bhyve").containsAll(Set.of("freebsd", "ubuntu", "debian", "windows-server")));
        assertTrue(distributions("openbsd-vmm").containsAll(Set.of("openbsd", "debian", "ubuntu", "alpine")));
    }

    @Test
    void everyDownloadableEntryHasAnHttpsUrlAndAChecksumSource() {
        for (GuestImage image : catalog.all()) {
            assertEquals("https", image.url().getScheme(), image.id());
            if (image.kind() != GuestImage.Kind.MANUAL) {
                assertTrue(image.checksum().isPresent(), image.id());
                if (image.checksum().get() instanceof ChecksumSource.Published p) {
                    assertEquals(image.fileName(), p.fileName(), image.id());
                }
            }
        }
    }

    @Test
    void kvmUbuntuEntryCarriesFormatBootModeCloudInitAndAgentCommands() {
        GuestImage ubuntu = catalog.find("kvm", "ubuntu-24.04").orElseThrow();
        assertEquals("qcow2", ubuntu.format());
        assertEquals(GuestImage.BootMode.UEFI, ubuntu.boot());
        assertTrue(ubuntu.cloudInit());
        assertTrue(
                ubuntu.agentInstall().stream().anyMatch(c -> c.contains("qemu-guest-agent")),
                ubuntu.agentInstall().toString());
        assertEquals("ubuntu-24.04-server-cloudimg-amd64.img", ubuntu.fileName());
        assertEquals(Optional.empty(), catalog.find("kvm", "windows-server-2022"));
    }

    @Test
    void openBsdInstallIsAnIsoBootedWithBios() {
        GuestImage openbsd = catalog.find("openbsd-vmm", "openbsd-7.6").orElseThrow();
        assertEquals(GuestImage.Kind.INSTALL_ISO, openbsd.kind());
        assertEquals("iso", openbsd.format());
        assertEquals(GuestImage.BootMode.BIOS, openbsd.boot());
        assertFalse(openbsd.cloudInit());
    }

    @Test
    void parseErrorsNameTheEntryAndField() {
        String noUrl = """
                {"images": [{"id": "x", "hypervisor": "kvm", "kind": "cloud-image", "format": "qcow2"}]}""";
        var e = assertThrows(IllegalArgumentException.class, () -> ImageCatalog.parse(noUrl));
        assertTrue(e.getMessage().contains("images[0] (x)") && e.getMessage().contains("'url'"), e.getMessage());

        String badHypervisor = """
                {"images": [{"id": "x", "hypervisor": "xen"}]}""";
        e = assertThrows(IllegalArgumentException.class, () -> ImageCatalog.parse(badHypervisor));
        assertTrue(e.getMessage().contains("xen"), e.getMessage());

        String unknownAgent = """
                {"images": [{"id": "x", "hypervisor": "kvm", "kind": "cloud-image", "url": "https://h/x.img",
                  "format": "qcow2", "checksum": {"algorithm": "SHA-256", "url": "https://h/SUMS"},
                  "boot": "bios", "cloudInit": true, "distribution": "d", "version": "1", "name": "n", "agent": "yum"}]}""";
        e = assertThrows(IllegalArgumentException.class, () -> ImageCatalog.parse(unknownAgent));
        assertTrue(e.getMessage().contains("'yum'"), e.getMessage());

        String fileUrl = """
                {"images": [{"id": "x", "hypervisor": "kvm", "kind": "cloud-image", "url": "file:///etc/passwd", "format": "raw"}]}""";
        assertThrows(IllegalArgumentException.class, () -> ImageCatalog.parse(fileUrl));
    }

    @Test
    void checksumFilesInGnuBsdAndBareFormatsYieldTheFilesDigest() {
        String a = "a".repeat(64);
        String b = "b".repeat(64);
        String gnu = b + "  other.img\n" + a + " *ubuntu-24.04-server-cloudimg-amd64.img\n";
        assertEquals(
                ExpectedDigest.sha256(a),
                ChecksumFile.find(gnu, "ubuntu-24.04-server-cloudimg-amd64.img", "SHA-256")
                        .orElseThrow());
        String bsd = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n# Fedora-Cloud.qcow2: 1 bytes\n"
                + "SHA256 (Fedora-Cloud.qcow2) = " + a + "\nSHA256 (other.raw) = " + b + "\n";
        assertEquals(
                a,
                ChecksumFile.find(bsd, "Fedora-Cloud.qcow2", "SHA-256")
                        .orElseThrow()
                        .hex());
        String sha512 = "c".repeat(128);
        assertEquals(
                sha512,
                ChecksumFile.find(
                                sha512 + "  debian-12-generic-amd64.qcow2\n",
                                "debian-12-generic-amd64.qcow2",
                                "SHA-512")
                        .orElseThrow()
                        .hex());
        assertEquals(
                a,
                ChecksumFile.find(a + "\n", "anything.iso", "SHA-256")
                        .orElseThrow()
                        .hex());
        assertEquals(Optional.empty(), ChecksumFile.find(gnu, "missing.img", "SHA-256"));
        assertEquals(
                Optional.empty(), ChecksumFile.find(gnu, "other.img", "SHA-512"), "a SHA-256 line is not a SHA-512");
    }

    @Test
    void checksumAlgorithmAgreesWithTheChecksumFilesName() {
        for (GuestImage image : catalog.all()) {
            if (image.checksum().orElse(null) instanceof ChecksumSource.Published p) {
                String file = p.url().getPath().toLowerCase(java.util.Locale.ROOT);
                boolean says512 = file.contains("sha512");
                boolean says256 = file.contains("sha256");
                if (says512 || says256) {
                    assertEquals(says512 ? "SHA-512" : "SHA-256", p.algorithm(), image.hypervisor() + "/" + image.id());
                }
            }
        }
    }
}
