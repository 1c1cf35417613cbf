package org.vmm4j.openbsd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.host.CommandResult;
import org.vmm4j.host.HostPlan;
import org.vmm4j.host.RecordedHostFacts;

/** Golden renderings of the OpenBSD plans and their idempotent application on a recording executor. */
class OpenBsdPlansTest {

    /** Files in memory; programs recorded; "check" commands succeed once their effect was applied. */
    static final class RecordingExecutor implements CommandExecutor {
        final Map<Path, String> files = new HashMap<>();
        final List<List<String>> ran = new ArrayList<>();
        final List<List<String>> done = new ArrayList<>();
        final Map<List<String>, List<String>> checkFor = new HashMap<>();

        @Override
        public CommandResult run(List<String> command) {
            ran.add(command);
            for (Map.Entry<List<String>, List<String>> e : checkFor.entrySet()) {
                if (e.getValue().equals(command)) {
                    return new CommandResult(command, done.contains(e.getKey()) ? 0 : 1, "", "");
                }
            }
            done.add(command);
            return new CommandResult(command, 0, "", "");
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
    void setupRendersFirmwareEnableAndStart() {
        OpenBsdPlans.Setup setup =
                OpenBsdPlans.setup(new RecordedHostFacts().file("/var/run/dmesg.boot", OpenBsdProbeTest.DMESG_INTEL));
        assertFalse(setup.rebootRequired());
        assertEquals("""
                Set up vmd on OpenBSD
                 1. install the vmm(4) BIOS (SeaBIOS) with fw_update [root]
                      $ fw_update vmm-firmware
                      skip if: test -f /etc/firmware/vmm-bios
                 2. enable vmd at boot [root]
                      $ rcctl enable vmd
                      skip if: rcctl get vmd status
                 3. start vmd [root]
                      $ rcctl start vmd
                      skip if: rcctl check vmd
                """, setup.plan().render());
    }

    @Test
    void setupSkipsFirmwareWhenInstalledAndFlagsRebootWhenVmmDidNotAttach() {
        OpenBsdPlans.Setup setup = OpenBsdPlans.setup(new RecordedHostFacts()
                .path("/etc/firmware/vmm-bios")
                .file("/var/run/dmesg.boot", OpenBsdProbeTest.DMESG_VMX_NOT_ATTACHED));
        assertEquals(2, setup.plan().steps().size());
        assertTrue(setup.rebootRequired());
        assertTrue(setup.reason().contains("reboot"));
    }

    @Test
    void localNetworkForwardsAndNatsVmdsPrefix() {
        assertEquals("""
                vmd local networking (-L, built-in DHCP)
                 1. forward IPv4 at boot [root]
                      ensure line in /etc/sysctl.conf: net.inet.ip.forwarding=1
                 2. forward IPv4 now [root]
                      $ sysctl net.inet.ip.forwarding=1
                 3. NAT vmd's local prefix out of egress [root]
                      ensure block 'vmd-local' in /etc/pf.conf
                      | pass out on egress from 100.64.0.0/10 to any nat-to (egress)
                 4. load the pf rules [root]
                      $ pfctl -f /etc/pf.conf
                """, OpenBsdPlans.localNetwork().render());
    }

    @Test
    void bridgedNetworkCreatesBridgeHostnameFileAndSwitch() {
        assertEquals(
                """
                vmd bridged networking: switch uplink on bridge0 (em0)
                 1. add em0 to bridge0 at boot [root]
                      ensure line in /etc/hostname.bridge0: add em0
                 2. bring bridge0 up at boot [root]
                      ensure line in /etc/hostname.bridge0: up
                 3. create bridge0 [root]
                      $ ifconfig bridge0 create
                      skip if: ifconfig bridge0
                 4. add em0 to bridge0 [root]
                      $ ifconfig bridge0 add em0 up
                 5. vm.conf switch uplink on bridge0 [root]
                      ensure block 'switch-uplink' in /etc/vm.conf
                      | switch "uplink" {
                      | \tinterface bridge0
                      | }
                 6. make vmd re-read vm.conf [root]
                      $ vmctl reload
                """, OpenBsdPlans.bridgedNetwork("uplink", "bridge0", "em0").render());
    }

    @Test
    void routedNatNetworkUsesVetherGatewayAndPfTable() {
        HostPlan plan = OpenBsdPlans.routedNatNetwork("private", "bridge1", "vether0", "10.20.30.1/24");
        String text = plan.render();
        assertTrue(text.startsWith("vmd routed NAT networking: 10.20.30.0/24 via vether0 on bridge1\n"), text);
        assertTrue(text.contains("ensure line in /etc/hostname.vether0: inet 10.20.30.1 255.255.255.0\n"), text);
        assertTrue(text.contains("$ ifconfig vether0 inet 10.20.30.1 netmask 255.255.255.0 up\n"), text);
        assertTrue(
                text.contains("      | table <vmm_subnet> { 10.20.30.0/24 }\n"
                        + "      | pass out on egress from <vmm_subnet> nat-to (egress)\n"),
                text);
        assertTrue(text.contains("ensure line in /etc/sysctl.conf: net.inet.ip.forwarding=1"), text);
        assertTrue(text.contains("$ ifconfig bridge1 add vether0 up"), text);
    }

    @Test
    void applyingTwiceChangesNothingTheSecondTime() {
        RecordingExecutor host = new RecordingExecutor();
        host.files.put(Path.of("/etc/pf.conf"), "set skip on lo\nblock return\npass\n");
        host.checkFor.put(List.of("ifconfig", "vether0", "create"), List.of("ifconfig", "vether0"));
        host.checkFor.put(List.of("ifconfig", "bridge1", "create"), List.of("ifconfig", "bridge1"));
        HostPlan plan = OpenBsdPlans.routedNatNetwork("private", "bridge1", "vether0", "10.20.30.1/24");
        HostPlan.Outcome first = plan.apply(host, p -> {});
        Map<Path, String> after = new HashMap<>(host.files);
        HostPlan.Outcome second = plan.apply(host, p -> {});
        assertEquals(after, host.files, "files are unchanged by the second apply");
        assertTrue(first.skipped().isEmpty());
        // skipped: 4 line edits, 2 blocks, 2 guarded creations; the unguarded commands (ifconfig inet,
        // ifconfig add, sysctl, pfctl, vmctl reload) rerun harmlessly
        assertEquals(8, second.skipped().size());
        assertEquals(5, second.applied().size());
        assertTrue(host.files.get(Path.of("/etc/pf.conf")).startsWith("set skip on lo\n"));
        assertTrue(host.files.get(Path.of("/etc/vm.conf")).contains("switch \"private\" {\n\tinterface bridge1\n}"));
    }

    @Test
    void rejectsNamesAndAddressesThatAreNotInterfaces() {
        assertThrows(IllegalArgumentException.class, () -> OpenBsdPlans.bridgedNetwork("up;link", "bridge0", "em0"));
        assertThrows(IllegalArgumentException.class, () -> OpenBsdPlans.bridgedNetwork("uplink", "em0", "em1"));
        assertThrows(IllegalArgumentException.class, () -> OpenBsdPlans.bridgedNetwork("uplink", "bridge0", "-x"));
        assertThrows(
                IllegalArgumentException.class,
                () -> OpenBsdPlans.routedNatNetwork("p", "bridge1", "vether0", "10.0.0.1"));
        assertThrows(
                IllegalArgumentException.class,
                () -> OpenBsdPlans.routedNatNetwork("p", "bridge1", "vether0", "300.0.0.1/24"));
    }
}
