package org.vmm4j.linux.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.host.CommandResult;
import org.vmm4j.host.HostPlan;
import org.vmm4j.host.PlanStep;
import org.vmm4j.host.PlanStepFailedException;

class LinuxHostSetupTest {
    /**
     * Records every command and answers from a script; unscripted commands succeed with no output. The
     * setup plan only runs programs, so files are never touched.
     */
    private static final class ScriptedHost implements CommandExecutor {
        final List<String> commands = new ArrayList<>();
        private final Map<String, Answer> script = new HashMap<>();

        private record Answer(int exitCode, String stdout, String stderr) {}

        ScriptedHost answer(String command, int exitCode, String stdout, String stderr) {
            script.put(command, new Answer(exitCode, stdout, stderr));
            return this;
        }

        /** Makes each of these (check) commands exit 1 unless scripted otherwise. */
        ScriptedHost unscriptedChecksFail(List<String> checkCommands) {
            for (String c : checkCommands) {
                script.putIfAbsent(c, new Answer(1, "", ""));
            }
            return this;
        }

        @Override
        public CommandResult run(List<String> command) {
            String joined = String.join(" ", command);
            commands.add(joined);
            Answer a = script.getOrDefault(joined, new Answer(0, "", ""));
            return new CommandResult(command, a.exitCode(), a.stdout(), a.stderr());
        }

        @Override
        public Optional<String> readFile(Path file) {
            throw new AssertionError("the setup plan reads no file: " + file);
        }

        @Override
        public void writeFile(Path file, String content) {
            throw new AssertionError("the setup plan writes no file: " + file);
        }

        @Override
        public boolean exists(Path path) {
            throw new AssertionError("the setup plan checks no path: " + path);
        }
    }

    private static HostPlan debianPlan() {
        return LinuxHostSetup.forFamily(LinuxFamily.DEBIAN)
                .user("alice")
                .cpuVendor(CpuVendor.INTEL)
                .plan();
    }

    private static List<PlanStep.Run> runs(HostPlan plan) {
        return plan.steps().stream().map(PlanStep.Run.class::cast).toList();
    }

    private static List<String> checks(HostPlan plan) {
        return runs(plan).stream()
                .map(s -> String.join(" ", s.check()))
                .distinct()
                .toList();
    }

    @ParameterizedTest
    @EnumSource(LinuxFamily.class)
    void renderedPlanMatchesTheReviewedGoldenFile(LinuxFamily family) throws IOException {
        HostPlan plan = LinuxHostSetup.forFamily(family)
                .user("alice")
                .cpuVendor(CpuVendor.INTEL)
                .plan();
        String golden = "linux-setup-" + family.name().toLowerCase(Locale.ROOT) + ".txt";
        try (InputStream in = getClass().getResourceAsStream(golden)) {
            assertTrue(in != null, "golden file " + golden + " missing");
            assertEquals(new String(in.readAllBytes(), StandardCharsets.UTF_8), plan.render());
        }
    }

    @Test
    void freshHostGetsEveryStepAppliedInOrderAfterItsCheckFails() {
        HostPlan plan = debianPlan();
        ScriptedHost host = new ScriptedHost().unscriptedChecksFail(checks(plan));

        HostPlan.Outcome outcome = plan.apply(host);

        assertEquals(plan.steps(), outcome.applied());
        assertEquals(List.of(), outcome.skipped());
        List<String> expected = new ArrayList<>();
        for (PlanStep.Run s : runs(plan)) {
            assertTrue(!s.check().isEmpty(), "every step has a check: " + s);
            expected.add(String.join(" ", s.check()));
            expected.add(String.join(" ", s.command()));
        }
        assertEquals(expected, host.commands);
        assertTrue(host.commands.contains("usermod --append --groups libvirt alice"), host.commands.toString());
        assertTrue(
                host.commands.contains("virsh --connect qemu:///system net-start default"), host.commands.toString());
    }

    @Test
    void readyHostOnlyRunsTheChecks() {
        HostPlan plan = debianPlan();
        ScriptedHost host = new ScriptedHost()
                .answer("id -nG alice", 0, "alice sudo libvirt kvm\n", "")
                .answer(
                        "virsh --connect qemu:///system net-info default",
                        0,
                        "Name:           default\nActive:         yes\nAutostart:      yes\n",
                        "");

        HostPlan.Outcome outcome = plan.apply(host);

        assertEquals(plan.steps(), outcome.skipped());
        assertEquals(List.of(), outcome.applied());
        assertEquals(plan.steps().size(), host.commands.size(), "one check per step, no action: " + host.commands);
    }

    @Test
    void groupCheckMatchesWholeGroupNamesOnly() {
        HostPlan plan = debianPlan();
        ScriptedHost host = new ScriptedHost()
                .unscriptedChecksFail(checks(plan))
                .answer("id -nG alice", 0, "alice libvirt-qemu kvmusers\n", "");
        plan.apply(host);
        assertTrue(host.commands.contains("usermod --append --groups libvirt alice"), "libvirt-qemu is not libvirt");
        assertTrue(host.commands.contains("usermod --append --groups kvm alice"), "kvmusers is not kvm");
    }

    @Test
    void failingStepStopsThePlanAndNamesStepCommandAndError() {
        HostPlan plan = debianPlan();
        String install = String.join(" ", runs(plan).get(1).command());
        ScriptedHost host = new ScriptedHost()
                .unscriptedChecksFail(checks(plan))
                .answer(install, 100, "", "E: Unable to locate package ovmf\n");
        List<String> events = new ArrayList<>();

        PlanStepFailedException e = assertThrows(
                PlanStepFailedException.class,
                () -> plan.apply(host, p -> events.add(p.message() + " " + p.index() + "/" + p.total())));

        assertEquals(100, e.exitCode());
        assertTrue(
                e.getMessage().contains("step 2")
                        && e.getMessage().contains("Unable to locate package ovmf")
                        && e.getMessage().contains("apt-get install"),
                e.getMessage());
        assertEquals(2, e.stepNumber());
        assertEquals(plan.title(), e.plan());
        int total = plan.steps().size();
        assertEquals(List.of("checking 1/" + total, "done 1/" + total, "checking 2/" + total), events);
        assertEquals(install, host.commands.get(host.commands.size() - 1), "nothing ran after the failure");
    }

    @Test
    void alpineUsesApkOpenRcAndAddgroup() {
        HostPlan plan = LinuxHostSetup.forFamily(LinuxFamily.ALPINE).user("bob").plan();
        List<List<String>> argvs =
                runs(plan).stream().map(PlanStep.Run::command).toList();
        assertTrue(argvs.contains(List.of("rc-update", "add", "libvirtd", "default")), argvs.toString());
        assertTrue(argvs.contains(List.of("addgroup", "bob", "kvm")), argvs.toString());
        assertTrue(argvs.get(0).subList(0, 2).equals(List.of("apk", "add")), argvs.toString());
        assertTrue(plan.needsRoot());
        assertTrue(argvs.stream().noneMatch(a -> a.get(0).equals("modprobe")), "no vendor given, no modprobe step");
    }

    @Test
    void detectsFamilyFromOsReleaseIdAndIdLike() {
        assertEquals(
                Optional.of(LinuxFamily.DEBIAN),
                LinuxFamily.fromOsRelease("NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\n"));
        assertEquals(
                Optional.of(LinuxFamily.FEDORA),
                LinuxFamily.fromOsRelease("ID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\n"));
        assertEquals(
                Optional.of(LinuxFamily.FEDORA), LinuxFamily.fromOsRelease("ID=someclone\nID_LIKE=\"rhel fedora\"\n"));
        assertEquals(
                Optional.of(LinuxFamily.SUSE),
                LinuxFamily.fromOsRelease("ID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\n"));
        assertEquals(Optional.of(LinuxFamily.ALPINE), LinuxFamily.fromOsRelease("ID=alpine\n"));
        assertEquals(Optional.empty(), LinuxFamily.fromOsRelease("ID=gentoo\n"));
        assertEquals(Optional.of(CpuVendor.AMD), CpuVendor.fromCpuInfo("processor\t: 0\nvendor_id\t: AuthenticAMD\n"));
    }

    @Test
    void rejectsUserNamesThatCouldBeReadAsOptions() {
        assertThrows(
                IllegalArgumentException.class,
                () -> LinuxHostSetup.forFamily(LinuxFamily.DEBIAN).user("-G"));
        assertThrows(
                IllegalArgumentException.class,
                () -> LinuxHostSetup.forFamily(LinuxFamily.DEBIAN).user("a b"));
        assertThrows(
                IllegalArgumentException.class,
                () -> LinuxHostSetup.forFamily(LinuxFamily.DEBIAN).networkXml("net.xml"));
    }
}
