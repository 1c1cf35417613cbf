package org.vmm4j.freebsd.host;

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
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.host.CommandResult;
import org.vmm4j.host.HostPlan;

/** Setup and networking plans: golden renderings and idempotent application. */
class BhyvePlansTest {

    static String golden(String name) throws IOException {
        try (InputStream in = BhyvePlansTest.class.getResourceAsStream("/org/vmm4j/freebsd/host/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void enablePlanMatchesGolden() throws IOException {
        assertEquals(
                golden("enable-with-vm-bhyve.plan"),
                BhyveSetupPlans.enable(true).render());
        assertEquals(7, BhyveSetupPlans.enable(false).steps().size());
    }

    @Test
    void bridgedPlanMatchesGolden() throws IOException {
        assertEquals(
                golden("bridged-bridge0-em0.plan"),
                BhyveNetworkPlans.bridged("bridge0", "em0").render());
    }

    @Test
    void natPlanWithDhcpMatchesGolden() throws IOException {
        assertEquals(
                golden("nat-bridge1.plan"),
                BhyveNetworkPlans.nat("bridge1", "10.77.0.1/24", "em0", "10.77.0.10", "10.77.0.200")
                        .render());
    }

    @Test
    void hostOnlyPlanMatchesGolden() throws IOException {
        assertEquals(
                golden("host-only-bridge2.plan"),
                BhyveNetworkPlans.hostOnly("bridge2", "192.168.200.1/24", null, null)
                        .render());
    }

    @Test
    void tapPlansMatchGolden() throws IOException {
        assertEquals(
                golden("tap3-bridge0.plan"),
                BhyveNetworkPlans.addTap("tap3", "bridge0").render());
        assertEquals(
                List.of("ifconfig", "tap3", "destroy"),
                ((org.vmm4j.host.PlanStep.Run)
                                BhyveNetworkPlans.removeTap("tap3").steps().get(0))
                        .command());
    }

    @Test
    void subnetIsTheNetworkOfTheGatewayAddress() {
        assertEquals("10.77.0.0/24", BhyveNetworkPlans.subnet("10.77.0.1/24"));
        assertEquals("172.16.0.0/12", BhyveNetworkPlans.subnet("172.20.3.4/12"));
        assertEquals("192.168.1.128/25", BhyveNetworkPlans.subnet("192.168.1.200/25"));
    }

    @Test
    void rejectsUnsafeOrMalformedNames() {
        assertThrows(IllegalArgumentException.class, () -> BhyveNetworkPlans.bridged("bridge0;reboot", "em0"));
        assertThrows(IllegalArgumentException.class, () -> BhyveNetworkPlans.bridged("bridge0", "em0 up"));
        assertThrows(IllegalArgumentException.class, () -> BhyveNetworkPlans.bridged("br0", "em0"));
        assertThrows(IllegalArgumentException.class, () -> BhyveNetworkPlans.addTap("tap3/..", "bridge0"));
        assertThrows(
                IllegalArgumentException.class, () -> BhyveNetworkPlans.nat("bridge1", "10.77.0.1", "em0", null, null));
        assertThrows(
                IllegalArgumentException.class,
                () -> BhyveNetworkPlans.nat("bridge1", "300.1.1.1/24", "em0", null, null));
        assertThrows(
                IllegalArgumentException.class,
                () -> BhyveNetworkPlans.hostOnly("bridge2", "10.0.0.1/24", "10.0.0.10", "x"));
    }

    /**
     * A host where a plan's check succeeds once its command ran (or when it was done beforehand); files
     * live in memory.
     */
    static final class FakeHost implements CommandExecutor {
        final Map<List<String>, List<String>> checkOf = new HashMap<>();
        final Set<List<String>> done = new java.util.HashSet<>();
        final Map<Path, String> files = new HashMap<>();
        final List<List<String>> ran = new ArrayList<>();

        FakeHost(HostPlan plan, Set<List<String>> alreadyDone) {
            for (org.vmm4j.host.PlanStep step : plan.steps()) {
                if (step instanceof org.vmm4j.host.PlanStep.Run run) {
                    checkOf.put(run.command(), run.check());
                }
            }
            done.addAll(alreadyDone);
        }

        @Override
        public CommandResult run(List<String> command) {
            ran.add(command);
            if (checkOf.containsKey(command)) {
                done.add(checkOf.get(command));
                return new CommandResult(command, 0, "", "");
            }
            return new CommandResult(command, done.contains(command) ? 0 : 1, "", "");
        }

        @Override
        public Optional<String> readFile(Path file) {
            return Optional.ofNullable(files.get(file));
        }

        @Override
        public void writeFile(Path file, String content) {
            files.put(file, content);
        }

        @Override
        public boolean exists(Path path) {
            return files.containsKey(path);
        }
    }

    @Test
    void applyingTheEnablePlanTwiceEditsLoaderConfOnce() {
        HostPlan plan = BhyveSetupPlans.enable(false);
        FakeHost host = new FakeHost(plan, Set.of(List.of("kldstat", "-q", "-m", "vmm")));
        host.files.put(BhyveSetupPlans.LOADER_CONF, "zfs_load=\"YES\"");
        HostPlan.Outcome first = plan.apply(host, p -> {});
        assertTrue(!host.ran.contains(List.of("kldload", "vmm")), "vmm was loaded already");
        assertEquals(
                "zfs_load=\"YES\"\nvmm_load=\"YES\"\nif_bridge_load=\"YES\"\nnmdm_load=\"YES\"\n",
                host.files.get(BhyveSetupPlans.LOADER_CONF));
        assertEquals(6, first.applied().size());
        HostPlan.Outcome second = plan.apply(host, p -> {});
        assertEquals(
                "zfs_load=\"YES\"\nvmm_load=\"YES\"\nif_bridge_load=\"YES\"\nnmdm_load=\"YES\"\n",
                host.files.get(BhyveSetupPlans.LOADER_CONF));
        assertEquals(plan.steps().size(), second.skipped().size(), "the second apply changes nothing");
    }

    @Test
    void natBlocksInPfConfAreWrittenOnceAcrossApplies() {
        HostPlan plan = BhyveNetworkPlans.nat("bridge1", "10.77.0.1/24", "em0", null, null);
        FakeHost host = new FakeHost(plan, Set.of());
        host.files.put(BhyveNetworkPlans.PF_CONF, "set skip on lo0\n");
        plan.apply(host, p -> {});
        String once = host.files.get(BhyveNetworkPlans.PF_CONF);
        plan.apply(host, p -> {});
        assertEquals(once, host.files.get(BhyveNetworkPlans.PF_CONF));
        assertTrue(once.startsWith("set skip on lo0\n# BEGIN vmm4j anchors\nnat-anchor \"vmm4j/*\"\n"), once);
        assertTrue(host.files
                .get(BhyveNetworkPlans.ANCHOR_DIR.resolve("pf-bridge1.conf"))
                .contains("nat on em0 inet from 10.77.0.0/24 to any -> (em0)\n"));
    }
}
