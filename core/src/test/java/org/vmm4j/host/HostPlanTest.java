package org.vmm4j.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Plans applied to a {@link RecordingExecutor}: what runs, what is skipped, what a failure says. */
class HostPlanTest {
    private static final Path RC_CONF = Path.of("/etc/rc.conf");

    private static final PlanStep.Run LOAD =
            new PlanStep.Run("load vmm", List.of("kldload", "vmm"), List.of("kldstat", "-q", "-m", "vmm"), true);
    private static final PlanStep.Run INSTALL = new PlanStep.Run(
            "install bhyve-firmware",
            List.of("pkg", "install", "-y", "bhyve-firmware"),
            List.of("pkg", "info", "-e", "bhyve-firmware"),
            true);
    private static final PlanStep.EnsureLine AT_BOOT =
            new PlanStep.EnsureLine("load vmm at boot", Path.of("/boot/loader.conf"), "vmm_load=\"YES\"", true);
    private static final PlanStep.EnsureBlock BRIDGE = new PlanStep.EnsureBlock(
            "configure bridge0",
            RC_CONF,
            "bridge0",
            "cloned_interfaces=\"bridge0\"\nifconfig_bridge0=\"addm em0 up\"",
            true);

    private static HostPlan plan() {
        return new HostPlan("enable bhyve", List.of(LOAD, INSTALL, AT_BOOT, BRIDGE));
    }

    @Test
    void freshHostGetsEveryStepAppliedAfterItsCheckFails() {
        RecordingExecutor host = new RecordingExecutor()
                .unscriptedChecksFail(List.of("kldstat -q -m vmm", "pkg info -e bhyve-firmware"))
                .file(RC_CONF, "hostname=\"h\"");

        HostPlan.Outcome outcome = plan().apply(host);

        assertEquals(plan().steps(), outcome.applied());
        assertEquals(List.of(), outcome.skipped());
        assertEquals(
                List.of(
                        "kldstat -q -m vmm",
                        "kldload vmm",
                        "pkg info -e bhyve-firmware",
                        "pkg install -y bhyve-firmware"),
                host.commands);
        assertEquals("vmm_load=\"YES\"\n", host.files.get(Path.of("/boot/loader.conf")));
        assertEquals(
                "hostname=\"h\"\n# BEGIN vmm4j bridge0\ncloned_interfaces=\"bridge0\"\n"
                        + "ifconfig_bridge0=\"addm em0 up\"\n# END vmm4j bridge0\n",
                host.files.get(RC_CONF));
    }

    @Test
    void secondApplyOnlyChecksAndWritesNothing() {
        RecordingExecutor host = new RecordingExecutor()
                .unscriptedChecksFail(List.of("kldstat -q -m vmm", "pkg info -e bhyve-firmware"));
        plan().apply(host);
        host.answer("kldstat -q -m vmm", 0, "", "").answer("pkg info -e bhyve-firmware", 0, "", "");
        host.commands.clear();
        var filesAfterFirst = new java.util.HashMap<>(host.files);
        var writesAfterFirst = new java.util.HashMap<>(host.writes);

        HostPlan.Outcome second = plan().apply(host);

        assertEquals(List.of(), second.applied());
        assertEquals(plan().steps(), second.skipped());
        assertEquals(List.of("kldstat -q -m vmm", "pkg info -e bhyve-firmware"), host.commands);
        assertEquals(filesAfterFirst, host.files);
        assertEquals(writesAfterFirst, host.writes, "no file rewritten");
    }

    @Test
    void ensureLineAppendsOnlyAMissingLineAndAddsTheNewlineBeforeIt() {
        Path loader = Path.of("/boot/loader.conf");
        RecordingExecutor host = new RecordingExecutor().file(loader, "a=1\nvmm_load=\"YES\"\nb=2");
        HostPlan plan = new HostPlan(
                "lines", List.of(AT_BOOT, new PlanStep.EnsureLine("tap up", loader, "if_tap_load=\"YES\"", true)));

        HostPlan.Outcome outcome = plan.apply(host);

        assertEquals(List.of(AT_BOOT), outcome.skipped());
        assertEquals("a=1\nvmm_load=\"YES\"\nb=2\nif_tap_load=\"YES\"\n", host.files.get(loader));
        assertEquals(List.of(), plan.apply(host).applied());
    }

    @Test
    void ensureBlockReplacesAnOlderVersionOfTheSameBlockInPlace() {
        RecordingExecutor host =
                new RecordingExecutor().file(RC_CONF, "a=1\n# BEGIN vmm4j bridge0\nold=1\n# END vmm4j bridge0\nz=9\n");

        assertEquals(
                List.of(BRIDGE),
                new HostPlan("block", List.of(BRIDGE)).apply(host).applied());

        assertEquals(
                "a=1\n# BEGIN vmm4j bridge0\ncloned_interfaces=\"bridge0\"\nifconfig_bridge0=\"addm em0 up\"\n"
                        + "# END vmm4j bridge0\nz=9\n",
                host.files.get(RC_CONF));
        assertEquals(
                List.of(BRIDGE),
                new HostPlan("block", List.of(BRIDGE)).apply(host).skipped());
        assertEquals(1, host.writes.get(RC_CONF));
    }

    @Test
    void ensureBlockRefusesABeginMarkerWithoutItsEnd() {
        RecordingExecutor host = new RecordingExecutor().file(RC_CONF, "# BEGIN vmm4j bridge0\nold=1\n");
        var e = assertThrows(org.vmm4j.VmmException.class, () -> new HostPlan("block", List.of(BRIDGE)).apply(host));
        assertTrue(e.getMessage().contains("no matching '# END vmm4j bridge0'"), e.getMessage());
        assertEquals("# BEGIN vmm4j bridge0\nold=1\n", host.files.get(RC_CONF));
    }

    @Test
    void failingStepStopsThePlanAndNamesPlanStepCommandAndError() {
        RecordingExecutor host = new RecordingExecutor()
                .unscriptedChecksFail(List.of("kldstat -q -m vmm", "pkg info -e bhyve-firmware"))
                .answer("pkg install -y bhyve-firmware", 70, "", "pkg: No packages available\n");
        List<String> events = new ArrayList<>();

        PlanStepFailedException e = assertThrows(
                PlanStepFailedException.class,
                () -> plan().apply(host, p -> events.add(p.index() + "/" + p.total() + " " + p.message())));

        assertEquals(70, e.exitCode());
        assertEquals(2, e.stepNumber());
        assertEquals("enable bhyve", e.plan());
        assertEquals(INSTALL, e.step());
        assertEquals("pkg: No packages available\n", e.result().stderr());
        assertEquals("pkg", e.operation());
        assertEquals(
                "step 2 of plan 'enable bhyve' failed (install bhyve-firmware): pkg install -y bhyve-firmware "
                        + "exited 70: pkg: No packages available (this step needs root)",
                e.getMessage());
        assertEquals(List.of("1/4 checking", "1/4 done", "2/4 checking"), events);
        assertEquals(
                "pkg install -y bhyve-firmware", host.commands.get(host.commands.size() - 1), "nothing ran after it");
        assertTrue(host.files.isEmpty(), "the file steps after the failure did not run");
    }

    @Test
    void checkWhoseProgramIsNotInstalledCountsAsNotDone() {
        RecordingExecutor host = new RecordingExecutor().notInstalled("kldstat -q -m vmm");

        HostPlan.Outcome outcome = new HostPlan("load", List.of(LOAD)).apply(host);

        assertEquals(List.of(LOAD), outcome.applied());
        assertEquals(List.of("kldstat -q -m vmm", "kldload vmm"), host.commands);
    }

    @Test
    void stepWhoseProgramIsNotInstalledFails() {
        RecordingExecutor host = new RecordingExecutor()
                .unscriptedChecksFail(List.of("kldstat -q -m vmm"))
                .notInstalled("kldload vmm");
        assertThrows(CommandFailedException.class, () -> new HostPlan("load", List.of(LOAD)).apply(host));
    }

    @Test
    void checkOutputMustMatchThePatternOnSomeLine() {
        PlanStep.Run autostart = new PlanStep.Run(
                "autostart the default network",
                List.of("virsh", "net-autostart", "default"),
                List.of("virsh", "net-info", "default"),
                "^Autostart:\\s+yes",
                true);
        HostPlan plan = new HostPlan("network", List.of(autostart));

        RecordingExecutor off = new RecordingExecutor()
                .answer("virsh net-info default", 0, "Name: default\nAutostart:      no\nComment: yes\n", "");
        assertEquals(List.of(autostart), plan.apply(off).applied());
        assertEquals(List.of("virsh net-info default", "virsh net-autostart default"), off.commands);

        RecordingExecutor on =
                new RecordingExecutor().answer("virsh net-info default", 0, "Name: default\nAutostart:      yes\n", "");
        assertEquals(List.of(autostart), plan.apply(on).skipped());

        RecordingExecutor failing =
                new RecordingExecutor().answer("virsh net-info default", 1, "Autostart:      yes\n", "");
        assertEquals(List.of(autostart), plan.apply(failing).applied(), "a failing check is never done");
    }

    @Test
    void rendersEveryStepsCommandCheckAndFileEdit() {
        PlanStep.Run grouped = new PlanStep.Run(
                "add alice to kvm",
                List.of("usermod", "-aG", "kvm", "alice"),
                List.of("id", "-nG", "alice"),
                "(^|\\s)kvm(\\s|$)",
                true);
        PlanStep.Run user = new PlanStep.Run("say hello", List.of("echo", "hello"), null, false);
        HostPlan plan = new HostPlan("review me", List.of(LOAD, grouped, user, AT_BOOT, BRIDGE));

        assertEquals("""
                review me
                 1. load vmm [root]
                      $ kldload vmm
                      skip if: kldstat -q -m vmm
                 2. add alice to kvm [root]
                      $ usermod -aG kvm alice
                      skip if: id -nG alice ~ /(^|\\s)kvm(\\s|$)/
                 3. say hello
                      $ echo hello
                 4. load vmm at boot [root]
                      ensure line in /boot/loader.conf: vmm_load="YES"
                 5. configure bridge0 [root]
                      ensure block 'bridge0' in /etc/rc.conf
                      | cloned_interfaces="bridge0"
                      | ifconfig_bridge0="addm em0 up"
                """, plan.render());
        assertTrue(plan.needsRoot());
        assertFalse(new HostPlan("user only", List.of(user)).needsRoot());
    }

    @Test
    void rejectsStepsAndPlansThatCannotBeReviewedOrRun() {
        assertThrows(IllegalArgumentException.class, () -> new PlanStep.Run("nothing", List.of(), null, false));
        assertThrows(IllegalArgumentException.class, () -> new PlanStep.Run(" ", List.of("true"), null, false));
        assertThrows(IllegalArgumentException.class, () -> new PlanStep.Run("shell", List.of("rm -rf /"), null, true));
        assertThrows(
                IllegalArgumentException.class,
                () -> new PlanStep.Run("newline", List.of("echo"), List.of("grep", "a\nb"), false));
        assertThrows(
                IllegalArgumentException.class,
                () -> new PlanStep.Run("pattern without check", List.of("true"), List.of(), "yes", false));
        assertThrows(
                IllegalArgumentException.class,
                () -> new PlanStep.Run("bad pattern", List.of("true"), List.of("true"), "(", false));
        assertThrows(IllegalArgumentException.class, () -> new PlanStep.EnsureLine("two", RC_CONF, "a\nb", true));
        assertThrows(IllegalArgumentException.class, () -> new PlanStep.EnsureBlock("b", RC_CONF, "x/y", "", true));
        assertThrows(IllegalArgumentException.class, () -> new HostPlan(" ", List.of(LOAD)));
        assertEquals("", new PlanStep.Run("no pattern", List.of("true"), List.of("true"), null, false).checkOutput());
    }

    @Test
    void fourArgumentRunHasNoCheckOutputPattern() {
        assertEquals("", LOAD.checkOutput());
        assertEquals(
                new PlanStep.Run(
                        "load vmm", List.of("kldload", "vmm"), List.of("kldstat", "-q", "-m", "vmm"), "", true),
                LOAD);
    }
}
