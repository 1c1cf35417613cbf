package org.vmm4j.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link RequiresHost} end to end: the sample classes run in a child JVM whose environment is built here
 * (PATH without the programs, with or without VMM4J_REQUIRE_TOOLS), so this JVM's own is never changed.
 */
class RequiresHostExtensionTest {
    private static final String NO_TOOLS = "/nonexistent-vmm4j-bin";

    @Test
    void withoutTheProgramsExactlyTheTestsThatNeedThemAreSkippedNamingToolAndPackage() throws Exception {
        Set<String> lines = run(
                Map.of("PATH", NO_TOOLS), RequiresHostSamples.MethodLevel.class, RequiresHostSamples.ClassLevel.class);
        assertEquals(
                new TreeSet<>(List.of(
                        "SKIPPED needsQemuImg(): needs qemu-img (apt package qemu-utils)",
                        "SUCCESSFUL needsNothing()",
                        "ABORTED decidesAtRunTime(): needs xorriso (apt package xorriso), isoinfo (apt package genisoimage)",
                        "SKIPPED RequiresHostSamples$ClassLevel: needs bsdtar (apt package libarchive-tools)",
                        // what Maven's console shows of them
                        "[vmm4j] skipped MethodLevel.needsQemuImg: needs qemu-img (apt package qemu-utils)",
                        "[vmm4j] skipped MethodLevel.decidesAtRunTime: needs xorriso (apt package xorriso),"
                                + " isoinfo (apt package genisoimage)",
                        "[vmm4j] skipped ClassLevel: needs bsdtar (apt package libarchive-tools)")),
                lines);
    }

    @Test
    void withRequireToolsTheSameTestsFailWithTheSameMessage() throws Exception {
        Set<String> lines = run(
                Map.of("PATH", NO_TOOLS, "VMM4J_REQUIRE_TOOLS", "1"),
                RequiresHostSamples.MethodLevel.class,
                RequiresHostSamples.ClassLevel.class);
        String demanded = " [VMM4J_REQUIRE_TOOLS=1 turns this skip into a failure]";
        assertEquals(
                new TreeSet<>(List.of(
                        "FAILED needsQemuImg(): needs qemu-img (apt package qemu-utils)" + demanded,
                        "SUCCESSFUL needsNothing()",
                        "FAILED decidesAtRunTime(): needs xorriso (apt package xorriso), isoinfo (apt package genisoimage)"
                                + demanded,
                        "FAILED RequiresHostSamples$ClassLevel: needs bsdtar (apt package libarchive-tools)"
                                + demanded)),
                lines);
    }

    @Test
    void aNameWithoutAKnownPackageFailsTheTestInsteadOfSkippingIt() throws Exception {
        Set<String> lines = run(Map.of("PATH", NO_TOOLS), RequiresHostSamples.UnknownName.class);
        assertEquals(1, lines.size(), lines.toString());
        String line = lines.iterator().next();
        assertTrue(
                line.startsWith("FAILED needsSomethingNoPackageProvides(): ")
                        && line.contains("no apt package known for program frobnicate"),
                line);
    }

    @Test
    void theAnnotationTranslatesIntoOneRequirementPerThingNamed() throws Exception {
        Method method = Annotated.class.getDeclaredMethod("everything");
        List<HostRequirement> requirements = RequiresHostExtension.requirements(method);
        assertEquals(
                List.of("gcc", "qemu-img", RequiresHost.KVM_HEADER, "/dev/kvm", "a running libvirtd at qemu:///system"),
                requirements.stream().map(HostRequirement::name).toList());
        assertEquals(
                List.of(
                        RequirementKind.TOOLS,
                        RequirementKind.TOOLS,
                        RequirementKind.TOOLS,
                        RequirementKind.KVM,
                        RequirementKind.LIBVIRTD),
                requirements.stream().map(HostRequirement::kind).toList());
        assertEquals(List.of(), RequiresHostExtension.requirements(Annotated.class.getDeclaredMethod("nothing")));
    }

    static class Annotated {
        @RequiresHost(
                tools = {"gcc", "qemu-img"},
                files = RequiresHost.KVM_HEADER,
                kvm = true,
                libvirtd = true)
        void everything() {}

        void nothing() {}
    }

    /** Runs {@code classes} through {@link SampleRunner} in a child JVM with exactly {@code environment}. */
    private static Set<String> run(Map<String, String> environment, Class<?>... classes)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                SampleRunner.class.getName()));
        for (Class<?> c : classes) {
            command.add(c.getName());
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(environment);
        Process child = builder.start();
        child.getOutputStream().close();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the sample run did not end");
        assertEquals(0, child.exitValue(), output);
        Set<String> lines = new TreeSet<>();
        for (String line : output.split("\n")) {
            if (line.matches("(SKIPPED|ABORTED|FAILED|SUCCESSFUL|\\[vmm4j\\] skipped) .*")) {
                lines.add(line);
            }
        }
        return lines;
    }
}
