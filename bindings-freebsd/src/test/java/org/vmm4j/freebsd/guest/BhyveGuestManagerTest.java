package org.vmm4j.freebsd.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.VmmException;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.AcceleratorChoice;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.NicSpec;
import org.vmm4j.guest.UndefineOption;
import org.vmm4j.guest.UnsupportedGuestOperationException;
import org.vmm4j.testsupport.Await;

/** Supervision of bhyve processes, against a stand-in {@code bhyve} script written by the test. */
class BhyveGuestManagerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private StandInHost host;
    private BhyveGuestManager manager;

    @BeforeEach
    void setUp() throws IOException {
        host = new StandInHost(tmp);
        manager = new BhyveGuestManager(host.layout, host, host);
    }

    private Guest define(String name) {
        return manager.define(GuestSpec.builder(name)
                .memoryMiB(256)
                .disk(DiskSpec.file(tmp.resolve(name + ".img").toString(), DiskSpec.Format.RAW))
                .boot(BootSpec.uefi(BootSpec.Device.DISK))
                .build());
    }

    private void awaitStopped(String name) {
        assertTrue(manager.awaitStopped(name, WAIT), name + " did not stop");
    }

    @Test
    void startRunsBhyveFromItsConfigFileAndPowerOffStopsTheGuest() throws IOException {
        host.statuses("1");
        Guest g = define("web1");
        g.start();
        awaitStopped("web1");
        assertEquals(List.of("-k " + host.layout.configFile("web1")), host.invocations());
        assertTrue(Files.readString(host.layout.configFile("web1")).contains("\nname=web1\n"));
        assertEquals(GuestState.STOPPED, g.state());
        assertEquals(Optional.of(BhyveExitStatus.POWERED_OFF), ((BhyveGuest) g).lastExit());
        assertFalse(host.list().contains("web1"), "the VM was left in /dev/vmm");
        assertEquals(
                "uefi-vars-template",
                Files.readString(host.layout.varsFile("web1")),
                "the UEFI variable store is a per-guest copy of the template");
    }

    @Test
    void rebootStatusRestartsBhyveUntilThePowerOff() throws IOException {
        host.statuses("0", "0", "1");
        define("loop").start();
        awaitStopped("loop");
        assertEquals(3, host.invocations().size());
        assertEquals(2, manager.reboots("loop"));
        assertEquals(GuestState.STOPPED, manager.state("loop"));
    }

    @Test
    void haltIsStoppedAndTripleFaultAndErrorAreCrashed() throws IOException {
        host.statuses("2", "3", "4");
        Guest g = define("crashy");
        g.start();
        awaitStopped("crashy");
        assertEquals(GuestState.STOPPED, g.state());
        g.start();
        awaitStopped("crashy");
        assertEquals(GuestState.CRASHED, g.state());
        assertEquals(Optional.of(BhyveExitStatus.TRIPLE_FAULT), ((BhyveGuest) g).lastExit());
        g.start();
        awaitStopped("crashy");
        assertEquals(Optional.of(BhyveExitStatus.ERROR), ((BhyveGuest) g).lastExit());
        assertEquals(GuestState.CRASHED, g.state());
    }

    @Test
    void crashedBhyveLeavesNoVmBehind() throws IOException {
        host.statuses("4");
        define("gone").start();
        awaitStopped("gone");
        assertTrue(host.destroyed.contains("gone"), "the stale VM of the crashed bhyve was not destroyed");
        assertFalse(host.list().contains("gone"));
    }

    @Test
    void staleVmOfADeadProcessIsDestroyedBeforeStart() throws IOException {
        host.statuses("1");
        Guest g = define("stale");
        host.staleVm("stale"); // its bhyve crashed and left the VM behind
        assertEquals(GuestState.CRASHED, g.state(), "a defined guest's VM without its bhyve process is stale");
        g.destroy(); // no supervisor here: destroyed through the kernel
        assertEquals(List.of("stale"), host.destroyed);
        host.staleVm("stale");
        g.start();
        awaitStopped("stale");
        assertEquals(3, host.destroyed.size(), "stale VM destroyed before start, and bhyve's VM after its exit");
        assertEquals(1, host.invocations().size());
        assertEquals(GuestState.STOPPED, g.state());
    }

    @Test
    void shutdownPressesThePowerButton() throws IOException {
        host.statuses("wait");
        Guest g = define("polite");
        g.start();
        waitForVm("polite");
        assertEquals(GuestState.RUNNING, g.state());
        assertTrue(g.shutdown(WAIT), "graceful shutdown reported as forced");
        assertEquals(List.of("term"), host.signals());
        assertEquals(GuestState.STOPPED, g.state());
        assertTrue(host.suspends().isEmpty());
    }

    @Test
    void shutdownOfAGuestIgnoringThePowerButtonSuspendsThenForces() throws IOException {
        host.statuses("stuck");
        Guest g = define("stubborn");
        g.start();
        waitForVm("stubborn");
        assertFalse(g.shutdown(Duration.ofMillis(300)));
        assertEquals(List.of("term-ignored"), host.signals());
        assertEquals(List.of("2"), host.suspends(), "VM_SUSPEND power-off (vm_suspend_how 2) before the kill");
        assertEquals(GuestState.STOPPED, g.state());
        assertTrue(host.destroyed.contains("stubborn"));
        assertFalse(host.list().contains("stubborn"));
    }

    @Test
    void statusOfARunningGuestHasUptimeAndStatsSummedOverVcpus() throws IOException {
        host.statuses("wait");
        BhyveGuest g = (BhyveGuest) manager.define(
                GuestSpec.builder("busy").vcpus(2).boot(BootSpec.bios()).build());
        assertTrue(g.stats().isEmpty(), "a stopped guest has no stats");
        g.start();
        waitForVm("busy");
        try {
            assertEquals(
                    java.util.Map.of(
                            "vcpu total runtime", 100L + 200L, "number of times hlt was intercepted", 101L + 201L),
                    g.stats());
            assertEquals(GuestState.RUNNING, g.info().state());
            assertEquals(2, g.info().vcpus());
            assertTrue(g.uptime().toNanos() > 0, "a running guest has an uptime");
        } finally {
            g.destroy();
        }
        assertEquals(java.time.Duration.ZERO, g.uptime());
    }

    @Test
    void guestStartedByAnEarlierManagerIsShutDownThroughItsPidFile() throws Exception {
        host.statuses("wait");
        Guest g = define("older");
        // An earlier run of the application started bhyve and recorded its pid, then went away.
        java.nio.file.Files.writeString(host.layout.configFile("older"), "name=older\n");
        Process earlier = new ProcessBuilder(
                        host.layout.bhyve().toString(),
                        "-k",
                        host.layout.configFile("older").toString())
                .start();
        java.nio.file.Files.writeString(host.layout.pidFile("older"), earlier.pid() + "\n");
        waitForVm("older");
        BhyveGuestManager fresh = new BhyveGuestManager(host.layout, host, host);
        Guest seen = fresh.find("older").orElseThrow();
        assertEquals(GuestState.RUNNING, seen.state());
        assertTrue(seen.shutdown(WAIT));
        assertEquals(List.of("term"), host.signals());
        assertTrue(earlier.waitFor(5, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(GuestState.STOPPED, seen.state());
        assertFalse(java.nio.file.Files.exists(host.layout.pidFile("older")));
        assertEquals(g.uuid(), seen.uuid());
    }

    @Test
    void destroyForceStopsARunningGuest() throws IOException {
        host.statuses("wait");
        Guest g = define("plug");
        g.start();
        waitForVm("plug");
        g.destroy();
        assertEquals(GuestState.STOPPED, g.state());
        assertTrue(host.destroyed.contains("plug"));
    }

    @Test
    void rebootResetsTheVmAndTheSupervisorStartsItAgain() throws IOException {
        host.statuses("wait", "1");
        Guest g = define("again");
        g.start();
        waitForVm("again");
        g.reboot();
        awaitStopped("again");
        assertEquals(List.of("1"), host.suspends(), "VM_SUSPEND reset is vm_suspend_how 1");
        assertEquals(2, host.invocations().size());
        assertEquals(1, manager.reboots("again"));
    }

    @Test
    void bridgedNicGetsItsOwnTapWhichIsRemovedOnExit() throws IOException {
        host.statuses("1");
        Guest g = manager.define(GuestSpec.builder("net1")
                .nic(NicSpec.bridge("bridge0"))
                .boot(BootSpec.bios())
                .build());
        g.start();
        awaitStopped("net1");
        assertTrue(Files.readString(host.layout.configFile("net1")).contains("backend=tap5\n"));
        assertEquals(
                List.of(
                        List.of("/sbin/ifconfig", "tap", "create"),
                        List.of("/sbin/ifconfig", "tap5", "description", "vmm4j:net1"),
                        List.of("/sbin/ifconfig", "bridge0", "addm", "tap5"),
                        List.of("/sbin/ifconfig", "tap5", "up"),
                        List.of("/sbin/ifconfig", "tap5", "destroy")),
                host.commands);
    }

    @Test
    void tapsOrphanedByADeadJvmAreDestroyedBeforeStart() throws IOException {
        host.statuses("1");
        host.outputs.put(List.of("/sbin/ifconfig", "-g", "tap"), "tap1\ntap2\n");
        host.outputs.put(
                List.of("/sbin/ifconfig", "tap1"),
                "tap1: flags=8902<BROADCAST,PROMISC>\n" + "\tdescription: vmm4j:orphan\n\toptions=80000<LINKSTATE>\n");
        host.outputs.put(List.of("/sbin/ifconfig", "tap2"), "tap2: flags=8902\n\tdescription: vmm4j:orphan2\n");
        manager.define(GuestSpec.builder("orphan").boot(BootSpec.bios()).build())
                .start();
        awaitStopped("orphan");
        assertEquals(
                List.of(List.of("/sbin/ifconfig", "tap1", "destroy")),
                host.commands,
                "only the tap described as this guest's is destroyed");
    }

    @Test
    void freebsdGuestIsLoadedByBhyveloadBeforeBhyveStarts() throws IOException {
        host.statuses("1");
        manager.define(GuestSpec.builder("fbsd")
                        .disk(DiskSpec.file("/vm/fbsd.img", DiskSpec.Format.RAW))
                        .boot(BootSpec.kernel("/boot/kernel/kernel", null, null))
                        .build())
                .start();
        awaitStopped("fbsd");
        assertEquals(
                List.of("/usr/sbin/bhyveload", "-m", "512M", "-d", "/vm/fbsd.img", "-c", "/dev/nmdm-fbsd.1A", "fbsd"),
                host.commands.get(0));
        assertEquals(1, host.invocations().size());
    }

    @Test
    void definitionsSurviveANewManagerAndListIncludesUndefinedVms() throws IOException {
        Guest g = define("keep");
        host.staleVm("other-vm");
        host.staleVm("not valid name!");
        BhyveGuestManager fresh = new BhyveGuestManager(host.layout, host, host);
        Guest again = fresh.find("keep").orElseThrow();
        assertEquals(g.uuid(), again.uuid());
        assertEquals(g.spec(), again.spec());
        assertEquals(
                List.of("keep", "other-vm"),
                fresh.list(GuestFilter.ALL).stream().map(Guest::name).toList());
        assertEquals(
                List.of("other-vm"),
                fresh.list(GuestFilter.ACTIVE).stream().map(Guest::name).toList());
        assertEquals(
                List.of("keep"),
                fresh.list(GuestFilter.INACTIVE).stream().map(Guest::name).toList());
        assertThrows(
                UnsupportedOperationException.class,
                () -> fresh.find("other-vm").orElseThrow().spec());
    }

    @Test
    void definitionFileIsReplacedAtomicallyWithoutLeftovers() throws IOException {
        Guest g = define("atomic");
        g.setMemory(1L << 30);
        g.setAutostart(true);
        try (var files = Files.list(host.layout.stateDir())) {
            assertEquals(
                    List.of("atomic.guest"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        GuestSpec spec = manager.find("atomic").orElseThrow().spec();
        assertEquals(1L << 30, spec.memoryBytes());
        assertTrue(spec.autostart());
    }

    @Test
    void rejectsUnsafeGuestNames() {
        for (String bad : List.of("a/b", "semi;colon", "with space", "-dash", "x".repeat(32), "")) {
            assertThrows(
                    IllegalArgumentException.class, () -> GuestSpec.builder(bad).build(), bad);
        }
        Guest g = define("okname");
        assertThrows(IllegalArgumentException.class, () -> g.rename("bad;name"));
        assertTrue(manager.find("../etc").isEmpty());
    }

    @Test
    void undefineWithStorageDeletesDisksAndRenameMovesTheDefinition() throws IOException {
        Guest g = define("old");
        Files.writeString(tmp.resolve("old.img"), "disk");
        java.util.UUID uuid = g.uuid();
        Guest renamed = g.rename("new");
        assertTrue(manager.find("old").isEmpty());
        assertEquals(uuid, renamed.uuid());
        renamed.undefine(UndefineOption.STORAGE);
        assertTrue(manager.find("new").isEmpty());
        assertFalse(Files.exists(tmp.resolve("old.img")));
    }

    @Test
    void autostartStartsOnlyGuestsMarkedSo() throws IOException {
        host.statuses("1");
        manager.define(
                GuestSpec.builder("auto").autostart(true).boot(BootSpec.bios()).build());
        manager.define(GuestSpec.builder("manual").boot(BootSpec.bios()).build());
        assertEquals(List.of("auto"), manager.startAutostartGuests());
        awaitStopped("auto");
        assertEquals(1, host.invocations().size());
    }

    @Test
    void startStopCyclesLeakNoFileDescriptors() throws IOException {
        Path fds = Path.of("/proc/self/fd");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(fds), "no /proc/self/fd to count descriptors");
        host.statuses("1", "1", "1", "1", "1", "1", "1", "1", "1", "1");
        Guest g = define("fdcount");
        g.start();
        awaitStopped("fdcount"); // warm up: logging, class loading
        long before;
        try (var list = Files.list(fds)) {
            before = list.count();
        }
        for (int i = 0; i < 8; i++) {
            g.start();
            awaitStopped("fdcount");
        }
        long after;
        try (var list = Files.list(fds)) {
            after = list.count();
        }
        assertTrue(after <= before + 1, "descriptors grew from " + before + " to " + after + " over 8 runs");
    }

    @Test
    void consoleIsTheBSideOfTheNmdmPair() {
        assertEquals(Optional.of("/dev/nmdm-tty1.1B"), define("tty1").consolePath());
    }

    @Test
    void startingARunningGuestFails() throws IOException {
        host.statuses("wait");
        Guest g = define("twice");
        g.start();
        try {
            assertThrows(IllegalStateException.class, g::start);
        } finally {
            g.destroy();
        }
    }

    @Test
    void addressesOfARunningGuestComeFromTheArpTableAndDnsmasqLeasesByItsMacs() throws IOException {
        host.statuses("wait");
        host.outputs.put(List.of("/usr/sbin/arp", "-an"), HostAddressTablesTest.ARP);
        host.files.put(Path.of("/var/db/dnsmasq.leases"), """
                4102444800 58:9c:fc:00:00:02 10.77.0.31 other *
                4102444800 58:9C:FC:00:00:01 10.77.0.23 web1 *
                0 00:a0:98:f3:5f:41 10.77.0.24 * *
                """);
        Guest g = manager.define(GuestSpec.builder("net1")
                .boot(BootSpec.bios())
                .nic(new NicSpec(NicSpec.Type.BRIDGE, "bridge0", "virtio", "58:9C:FC:00:00:01"))
                .build());
        assertEquals(List.of(), g.addresses(GuestAddress.Source.ARP), "a stopped guest has no addresses");
        g.start();
        waitForVm("net1");
        try {
            assertEquals(
                    List.of(new GuestAddress(
                            "bridge0", "58:9c:fc:00:00:01", "192.168.50.23", 0, GuestAddress.Source.ARP)),
                    g.addresses(GuestAddress.Source.ARP));
            assertEquals(
                    List.of(new GuestAddress(
                            "bridge0", "58:9c:fc:00:00:01", "10.77.0.23", 0, GuestAddress.Source.DHCP_LEASE)),
                    g.addresses(GuestAddress.Source.DHCP_LEASE));
            UnsupportedOperationException agent = assertThrows(
                    UnsupportedOperationException.class, () -> g.addresses(GuestAddress.Source.GUEST_AGENT));
            assertTrue(agent.getMessage().contains("guest agent"), agent.getMessage());
            assertEquals(
                    "bhyve hat keinen Kanal zu einem Gastagenten; fragen Sie die Tabellen DHCP_LEASE oder ARP des Hosts",
                    ((UnsupportedGuestOperationException) agent).text().render(Locale.GERMAN));
        } finally {
            g.destroy();
        }
    }

    @Test
    void guestWithoutAConfiguredMacIsFoundByTheMacBhyveGivesIt() throws IOException {
        host.statuses("wait");
        host.files.put(Path.of("/var/db/dnsmasq.leases"), "0 00:a0:98:f3:5f:41 10.77.0.24 * *\n");
        Guest g = manager.define(GuestSpec.builder("net1")
                .boot(BootSpec.bios())
                .nic(NicSpec.bridge("bridge1"))
                .build());
        g.start();
        waitForVm("net1");
        try {
            assertEquals(
                    List.of("10.77.0.24"),
                    g.addresses(GuestAddress.Source.DHCP_LEASE).stream()
                            .map(GuestAddress::address)
                            .toList(),
                    "md5(\"2-0-net1\") gives 00:a0:98:f3:5f:41");
        } finally {
            g.destroy();
        }
    }

    @Test
    void dhcpLeasesOnAHostWithoutDnsmasqAreUnsupportedNotEmpty() throws IOException {
        host.statuses("wait");
        Guest g = manager.define(GuestSpec.builder("nodhcp")
                .boot(BootSpec.bios())
                .nic(NicSpec.bridge("bridge0"))
                .build());
        g.start();
        waitForVm("nodhcp");
        try {
            UnsupportedOperationException e = assertThrows(
                    UnsupportedOperationException.class, () -> g.addresses(GuestAddress.Source.DHCP_LEASE));
            assertTrue(e.getMessage().contains("/var/db/dnsmasq.leases"), e.getMessage());
        } finally {
            g.destroy();
        }
    }

    @Test
    void failingArpIsAnErrorNamingTheProgram() throws IOException {
        host.statuses("wait");
        host.results.put(List.of("/usr/sbin/arp", "-an"), 1);
        Guest g = manager.define(GuestSpec.builder("noarp")
                .boot(BootSpec.bios())
                .nic(NicSpec.bridge("bridge0"))
                .build());
        g.start();
        waitForVm("noarp");
        try {
            VmmException e = assertThrows(VmmException.class, () -> g.addresses(GuestAddress.Source.ARP));
            assertTrue(e.getMessage().contains("arp -an exited with 1"), e.getMessage());
        } finally {
            g.destroy();
        }
    }

    @Test
    void namedNetworkIsRejectedAtDefine() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> manager.define(GuestSpec.builder("lan")
                        .nic(NicSpec.network("default"))
                        .boot(BootSpec.bios())
                        .build()));
        assertTrue(e.getMessage().contains("no named networks"), e.getMessage());
        assertTrue(manager.find("lan").isEmpty());
    }

    @Test
    void nameOfAVmAlreadyInTheKernelCannotBeDefined() throws IOException {
        host.staleVm("theirs"); // e.g. a guest of vm-bhyve: starting ours would destroy it as stale
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> define("theirs"));
        assertTrue(e.getMessage().contains("/dev/vmm"), e.getMessage());
        assertTrue(host.destroyed.isEmpty());
    }

    @Test
    void pauseAndSnapshotsAreRefusedInTheReadersLanguage() {
        try (Guest g = define("nosnap")) {
            for (Runnable call : List.<Runnable>of(g::suspend, g::snapshots, () -> g.createSnapshot("s", "", false))) {
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, call::run);
                assertTrue(
                        e instanceof UnsupportedGuestOperationException,
                        e.getClass().getName());
                String english = e.getMessage();
                String german = ((UnsupportedGuestOperationException) e).text().render(Locale.GERMAN);
                assertTrue(english.contains("bhyve") && english.contains("14.x"), english);
                assertTrue(german.contains("bhyve") && !german.equals(english), german);
                assertTrue(german.contains("Snapshot") || german.contains("anhalten"), german);
            }
        }
    }

    @Test
    void closedHandleRefusesEverythingButCloseAndToString() {
        Guest g = define("shut");
        g.close();
        g.close();
        for (Runnable call : List.<Runnable>of(
                g::name,
                g::uuid,
                g::state,
                g::info,
                g::spec,
                g::start,
                g::destroy,
                g::reboot,
                g::suspend,
                g::resume,
                g::autostart,
                g::consolePath,
                g::snapshots,
                () -> g.addresses(GuestAddress.Source.ARP),
                () -> g.shutdown(Duration.ofSeconds(1)),
                () -> g.setMemory(1L << 30),
                () -> g.setVcpus(2),
                () -> g.setAutostart(true),
                () -> g.rename("other"),
                g::undefine,
                () -> ((BhyveGuest) g).stats())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call::run);
            assertTrue(e.getMessage().contains("is closed"), e.getMessage());
        }
        assertTrue(g.toString().contains("shut"), g.toString());
        try (Guest again = manager.find("shut").orElseThrow()) {
            assertEquals(GuestState.STOPPED, again.state(), "closing a handle leaves the guest as it was");
        }
    }

    private void waitForVm(String name) {
        Await.until(
                "the bhyve stand-in to create VM " + name,
                WAIT,
                () -> host.list().contains(name));
    }

    @Test
    void tcgIsRefusedBeforeAnythingIsWrittenAndAutoOrKvmMeanVmm() {
        UnsupportedOperationException e = assertThrows(
                UnsupportedOperationException.class,
                () -> manager.define(GuestSpec.builder("emu")
                        .boot(BootSpec.bios())
                        .accelerator(Accelerator.TCG)
                        .build()));
        assertTrue(e.getMessage().contains("TCG"), e.getMessage());
        String spanish = ((UnsupportedGuestOperationException) e).text().render(Locale.forLanguageTag("es"));
        assertTrue(spanish.startsWith("bhyve no puede ejecutar un invitado con TCG"), spanish);
        assertTrue(manager.find("emu").isEmpty());
        for (Accelerator a : List.of(Accelerator.AUTO, Accelerator.KVM)) {
            AcceleratorChoice c = manager.acceleratorChoice(a);
            assertEquals(Accelerator.KVM, c.accelerator(), a.toString());
            assertEquals("vmm", c.type());
            assertEquals("bhyve runs guests on the kernel's vmm(4), in hardware", c.reason());
            assertEquals("bhyve はカーネルの vmm(4) 上でゲストをハードウェアで実行します", c.reason(Locale.forLanguageTag("ja")));
        }
        Guest g = manager.define(GuestSpec.builder("hw")
                .boot(BootSpec.bios())
                .accelerator(Accelerator.KVM)
                .build());
        assertEquals(Accelerator.KVM, g.spec().accelerator(), "the definition keeps the accelerator");
    }
}
