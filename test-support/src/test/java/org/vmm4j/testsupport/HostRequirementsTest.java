package org.vmm4j.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/** The decision, with the environment passed in: the real one is never read or changed here. */
class HostRequirementsTest {
    private static final String NO_TOOLS = "/nonexistent-vmm4j-bin";

    @TempDir
    Path dir;

    @Test
    void aMissingProgramIsSkippedNamingItsAptPackage() {
        Verdict v = HostRequirements.decide(List.of(HostRequirement.tool("qemu-img")), Map.of("PATH", NO_TOOLS));
        assertEquals(new Verdict(Verdict.Action.SKIP, "needs qemu-img (apt package qemu-utils)"), v);
    }

    @Test
    void requireToolsTurnsTheSkipIntoAFailureWithTheSameMessage() {
        Verdict v = HostRequirements.decide(
                List.of(HostRequirement.tool("qemu-img")), Map.of("PATH", NO_TOOLS, "VMM4J_REQUIRE_TOOLS", "1"));
        assertEquals(Verdict.Action.FAIL, v.action());
        assertEquals(
                "needs qemu-img (apt package qemu-utils) [VMM4J_REQUIRE_TOOLS=1 turns this skip into a failure]",
                v.message());
    }

    @Test
    void onlyTheValueOneDemandsAndOnlyForItsOwnKind() {
        List<HostRequirement> tool = List.of(HostRequirement.tool("xorriso"));
        assertEquals(
                Verdict.Action.SKIP,
                HostRequirements.decide(tool, Map.of("PATH", NO_TOOLS, "VMM4J_REQUIRE_TOOLS", "0"))
                        .action());
        assertEquals(
                Verdict.Action.SKIP,
                HostRequirements.decide(
                                tool, Map.of("PATH", NO_TOOLS, "VMM4J_REQUIRE_KVM", "1", "VMM4J_REQUIRE_LIBVIRTD", "1"))
                        .action());
    }

    @Test
    void everyMissingRequirementIsNamedInOrder() {
        Verdict v = HostRequirements.decide(
                List.of(
                        HostRequirement.tool("isoinfo"),
                        HostRequirement.tool("bsdtar"),
                        HostRequirement.tool("cloud-localds")),
                Map.of("PATH", NO_TOOLS));
        assertEquals(
                "needs isoinfo (apt package genisoimage), bsdtar (apt package libarchive-tools), "
                        + "cloud-localds (apt package cloud-image-utils)",
                v.message());
    }

    @Test
    void aProgramIsFoundThroughThePathOfTheGivenEnvironment() throws Exception {
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Path qemuImg = Files.createFile(bin.resolve("qemu-img"));
        Map<String, String> env = Map.of("PATH", NO_TOOLS + ":" + bin, "VMM4J_REQUIRE_TOOLS", "1");
        assertEquals(
                Verdict.Action.FAIL,
                HostRequirements.decide(List.of(HostRequirement.tool("qemu-img")), env)
                        .action(),
                "a file that is not executable is no program");
        Files.setPosixFilePermissions(qemuImg, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(Verdict.RUN, HostRequirements.decide(List.of(HostRequirement.tool("qemu-img")), env));
        assertEquals(Optional.of(qemuImg), HostRequirement.findProgram("qemu-img", env));
    }

    @Test
    void kvmAndLibvirtdFailOnlyUnderTheirOwnVariables() {
        HostRequirement kvm = HostRequirement.of("/dev/kvm", RequirementKind.KVM, env -> Optional.of("does not exist"));
        HostRequirement libvirtd = HostRequirement.of(
                "a running libvirtd at qemu:///system",
                RequirementKind.LIBVIRTD,
                env -> Optional.of("no daemon socket"));
        List<HostRequirement> both = List.of(kvm, libvirtd);
        assertEquals(
                Verdict.Action.SKIP,
                HostRequirements.decide(both, Map.of("VMM4J_REQUIRE_TOOLS", "1"))
                        .action());
        Verdict v = HostRequirements.decide(both, Map.of("VMM4J_REQUIRE_KVM", "1"));
        assertEquals(
                "needs /dev/kvm (does not exist), a running libvirtd at qemu:///system (no daemon socket)"
                        + " [VMM4J_REQUIRE_KVM=1 turns this skip into a failure]",
                v.message());
        assertEquals(Verdict.Action.FAIL, v.action());
        assertTrue(HostRequirements.decide(both, Map.of("VMM4J_REQUIRE_KVM", "1", "VMM4J_REQUIRE_LIBVIRTD", "1"))
                .message()
                .endsWith("[VMM4J_REQUIRE_KVM=1, VMM4J_REQUIRE_LIBVIRTD=1 turns this skip into a failure]"));
    }

    @Test
    void namesWithoutAKnownPackageAreRejectedBecauseTheSkipCouldNotSayWhatToInstall() {
        var e = assertThrows(IllegalArgumentException.class, () -> HostRequirement.tool("frobnicate"));
        assertTrue(e.getMessage().contains("no apt package known for program frobnicate"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HostRequirement.file("/etc/frobnicate.conf"));
    }

    @Test
    void kvmDeviceProblemsAreNamed() throws Exception {
        assertTrue(HostRequirement.kvmProblem(dir.resolve("kvm")).orElseThrow().startsWith("does not exist"));
        Path locked = Files.createFile(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        boolean root = Files.isReadable(locked);
        assertEquals(
                root ? Optional.empty() : Optional.of("not readable and writable by this user: add it to group kvm"),
                HostRequirement.kvmProblem(locked));
    }

    @Test
    void libvirtdIsThereWhenItsSocketAcceptsAConnection() throws Exception {
        Path socket = dir.resolve("libvirt-sock");
        String absent = HostRequirement.libvirtdProblem(List.of(socket)).orElseThrow();
        assertTrue(absent.startsWith("no daemon socket [" + socket + "]"), absent);
        assertTrue(absent.endsWith("apt package libvirt-daemon-system, started by .ci/test"), absent);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            assertEquals(Optional.empty(), HostRequirement.libvirtdProblem(List.of(dir.resolve("other"), socket)));
        }
        // The daemon is gone and its socket file stayed behind.
        String stale = HostRequirement.libvirtdProblem(List.of(socket)).orElseThrow();
        assertTrue(stale.startsWith(socket + ": "), stale);
    }

    @Test
    void aGlobMatchesTheFirstReadableFileInNameOrderAndOnlyFilesOrDirectoriesCount() throws Exception {
        assertEquals(Optional.empty(), HostRequirement.findFile(dir + "/vmlinuz-*"));
        Files.createFile(dir.resolve("vmlinuz-6.1.0-9-amd64"));
        Files.createFile(dir.resolve("vmlinuz-6.1.0-10-amd64"));
        Files.createFile(dir.resolve("config-6.1.0-1-amd64"));
        assertEquals(Optional.of(dir.resolve("vmlinuz-6.1.0-10-amd64")), HostRequirement.findFile(dir + "/vmlinuz-*"));
        assertEquals(Optional.empty(), HostRequirement.findFile(dir + "/nothing-*"));
        assertEquals(Optional.empty(), HostRequirement.findFile(dir + "/absent/vmlinuz-*"));
        assertEquals(Optional.of(dir), HostRequirement.findFile(dir.toString()), "a directory (debugfs) is one");
        assertEquals(Optional.empty(), HostRequirement.findFile("/dev/null"), "a device node is no file");
    }

    @Test
    void enforceSkipsThroughAnAssumptionAndFailsThroughAnAssertion() {
        HostRequirements.enforce(Verdict.RUN);
        var skipped = assertThrows(
                TestAbortedException.class,
                () -> HostRequirements.enforce(new Verdict(Verdict.Action.SKIP, "needs x")));
        assertTrue(skipped.getMessage().contains("needs x"), skipped.getMessage());
        var failed = assertThrows(
                AssertionError.class, () -> HostRequirements.enforce(new Verdict(Verdict.Action.FAIL, "needs y")));
        assertEquals("needs y", failed.getMessage());
    }
}
