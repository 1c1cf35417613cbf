package org.vmm4j.testsupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the repository, reading build-kernel's answers (with stand-in scripts), and the real kernel. */
class GuestKernelTest {

    @TempDir
    Path dir;

    private Path script(String body) throws IOException {
        Path s = dir.resolve("build-kernel");
        Files.writeString(s, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
        return s;
    }

    private Path kernelDirectory(String name) throws IOException {
        Path k = Files.createDirectories(dir.resolve(name));
        Files.write(k.resolve("vmlinux"), new byte[] {0x7f, 'E', 'L', 'F'});
        Files.write(k.resolve("bzImage"), new byte[] {1});
        return k;
    }

    @Test
    void findsTheRepositoryRootFromAModuleDirectoryBelowIt() throws Exception {
        Path root = dir.resolve("repo");
        Files.createDirectories(root.resolve("guest/linux"));
        Files.createDirectories(root.resolve("core/src"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Files.writeString(root.resolve("core/pom.xml"), "<project/>");
        Files.writeString(root.resolve(GuestKernel.SCRIPT), "#!/bin/sh\n");
        assertEquals(Optional.of(root), GuestKernel.repositoryRoot(root.resolve("core")));
        assertEquals(Optional.of(root), GuestKernel.repositoryRoot(root.resolve("core/src")));
        assertEquals(Optional.empty(), GuestKernel.repositoryRoot(dir));
    }

    @Test
    void thisModulesRepositoryHasTheExecutableScript() {
        Path root = GuestKernel.repositoryRoot(Path.of(System.getProperty("user.dir")))
                .orElseThrow();
        assertTrue(Files.isExecutable(root.resolve(GuestKernel.SCRIPT)), root.toString());
        assertTrue(Files.isRegularFile(root.resolve("guest/linux/vmm4j.config")), root.toString());
    }

    @Test
    void theLastLineOnStdoutIsTheKernelDirectory() throws Exception {
        Path kernel = kernelDirectory("cache-key");
        Path s = script("echo 'build-kernel: cached' >&2\necho some output\necho '" + kernel + "'");
        GuestKernel.Outcome o = GuestKernel.run(List.of(s.toString()), 1);
        assertEquals(GuestKernel.Outcome.found(kernel), o);
        assertEquals(kernel.resolve("vmlinux"), GuestKernel.require(o).resolve("vmlinux"));
    }

    @Test
    void missingPackagesAreASkipNamingThem() throws Exception {
        Path s = script("echo 'build-kernel: missing packages: linux-source-6.1 flex' >&2\nexit 3");
        GuestKernel.Outcome o = GuestKernel.run(List.of(s.toString()), 1);
        assertEquals(GuestKernel.Outcome.missing("missing packages: linux-source-6.1 flex"), o);
        HostRequirement r = HostRequirement.of(
                "vmm4j's guest kernel", RequirementKind.TOOLS, env -> Optional.ofNullable(o.missing()));
        assertEquals(
                new Verdict(
                        Verdict.Action.SKIP, "needs vmm4j's guest kernel (missing packages: linux-source-6.1 flex)"),
                HostRequirements.decide(List.of(r), Map.of()));
    }

    @Test
    void aFailedBuildIsAFailureQuotingTheEndOfItsErrors() throws Exception {
        Path s = script("echo 'build-kernel: make -j2 vmlinux bzImage failed' >&2\nexit 1");
        GuestKernel.Outcome o = GuestKernel.run(List.of(s.toString()), 1);
        assertNull(o.directory());
        assertNull(o.missing());
        assertTrue(o.failure().contains("failed with exit status 1"), o.failure());
        assertTrue(o.failure().endsWith("make -j2 vmlinux bzImage failed"), o.failure());
    }

    @Test
    void aPrintedDirectoryWithoutTheKernelIsAFailure() throws Exception {
        Path s = script("echo '" + dir + "'");
        GuestKernel.Outcome o = GuestKernel.run(List.of(s.toString()), 1);
        assertTrue(o.failure().contains("printed " + dir + ", which is no kernel directory"), o.failure());
    }

    @Test
    void theDirectoryVariableNamesAPrebuiltKernelAndIsChecked() throws Exception {
        Path kernel = kernelDirectory("prebuilt");
        Path nowhere = dir.resolve("no-repository-here");
        assertEquals(
                GuestKernel.Outcome.found(kernel),
                GuestKernel.locate(Map.of(GuestKernel.DIRECTORY_VARIABLE, kernel.toString()), nowhere));
        Files.delete(kernel.resolve("bzImage"));
        GuestKernel.Outcome o = GuestKernel.locate(Map.of(GuestKernel.DIRECTORY_VARIABLE, kernel.toString()), nowhere);
        assertEquals(
                GuestKernel.DIRECTORY_VARIABLE + "=" + kernel + " has no bzImage: unset it to build the kernel",
                o.failure());
    }

    @Test
    void aVariantIsBuiltWithItsScriptArgumentAndHasItsOwnDirectoryVariable() throws Exception {
        Path root = dir.resolve("repo");
        Files.createDirectories(root.resolve("guest/linux"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Path kernel = kernelDirectory("variant-key");
        Path arguments = dir.resolve("arguments");
        Path s = root.resolve(GuestKernel.SCRIPT);
        Files.writeString(s, "#!/bin/sh\necho \"$@\" > '" + arguments + "'\necho '" + kernel + "'\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
        assertEquals(
                GuestKernel.Outcome.found(kernel),
                GuestKernel.locate(GuestKernel.Variant.NO_INT3_SELFTEST, Map.of(), root));
        assertEquals("--variant no-int3-selftest\n", Files.readString(arguments));
        GuestKernel.locate(GuestKernel.Variant.STANDARD, Map.of(), root);
        assertEquals("\n", Files.readString(arguments), "the standard kernel takes no arguments");

        Path prebuilt = kernelDirectory("prebuilt-variant");
        String variable = GuestKernel.Variant.NO_INT3_SELFTEST.directoryVariable();
        assertEquals(
                GuestKernel.Outcome.found(prebuilt),
                GuestKernel.locate(GuestKernel.Variant.NO_INT3_SELFTEST, Map.of(variable, prebuilt.toString()), root));
        Files.delete(prebuilt.resolve("vmlinux"));
        assertEquals(
                variable + "=" + prebuilt + " has no vmlinux: unset it to build the kernel",
                GuestKernel.locate(GuestKernel.Variant.NO_INT3_SELFTEST, Map.of(variable, prebuilt.toString()), root)
                        .failure());
    }

    @Test
    void outsideARepositoryTheFailureSaysWhereItLooked() {
        GuestKernel.Outcome o = GuestKernel.locate(Map.of(), dir);
        assertTrue(o.failure().startsWith("no vmm4j repository"), o.failure());
        assertTrue(o.failure().endsWith(dir.toString()), o.failure());
    }

    /** The real script and kernel: skipped (naming the packages) where linux-source-6.1 is absent. */
    @Test
    void buildsOrFindsAnElfVmlinuxAndABzImage() throws Exception {
        Path vmlinux = GuestKernel.vmlinux();
        Path bzImage = GuestKernel.bzImage();
        assertEquals(vmlinux.getParent(), GuestKernel.directory());
        try (InputStream in = Files.newInputStream(vmlinux)) {
            assertArrayEquals(new byte[] {0x7f, 'E', 'L', 'F', 2}, in.readNBytes(5), "a 64-bit ELF");
        }
        byte[] setup = new byte[0x206];
        try (InputStream in = Files.newInputStream(bzImage)) {
            assertEquals(setup.length, in.readNBytes(setup, 0, setup.length));
        }
        assertEquals("HdrS", new String(setup, 0x202, 4, StandardCharsets.US_ASCII), "the boot protocol's magic");
        String info = Files.readString(GuestKernel.directory().resolve("build-info"));
        assertTrue(info.contains("source-package: linux-source-6.1\n"), info);
        String config = Files.readString(GuestKernel.directory().resolve(".config"));
        assertTrue(config.contains("\nCONFIG_PVH=y\n"), "the PVH entry vmm4j boots vmlinux through");
    }

    /** The real no-int3-selftest variant: the same configuration, another kernel, its own cache directory. */
    @Test
    void theNoInt3SelftestVariantIsTheSameConfigurationWithoutTheSelftestCall() throws Exception {
        Path variant = GuestKernel.directory(GuestKernel.Variant.NO_INT3_SELFTEST);
        Path standard = GuestKernel.directory();
        assertTrue(!variant.equals(standard), variant.toString());
        assertEquals(Files.readString(standard.resolve(".config")), Files.readString(variant.resolve(".config")));
        String info = Files.readString(variant.resolve("build-info"));
        assertTrue(info.contains("\nvariant: no-int3-selftest\n"), info);
        assertTrue(
                Files.mismatch(GuestKernel.vmlinux(GuestKernel.Variant.NO_INT3_SELFTEST), GuestKernel.vmlinux()) >= 0,
                "a different vmlinux");
    }
}
