package org.vmm4j.openbsd.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
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

/** {@link VmdGuestManager} over a vm.conf in a temporary directory and the vmd stand-in. */
class VmdGuestManagerTest {
    @TempDir
    Path dir;

    private VmdStandIn vmd;
    private VmdGuestManager manager;
    private Path confPath;
    private final RecordedCommands host =
            new RecordedCommands().answer(VmdAddresses.ARP_COMMAND, RecordedCommands.recorded("arp-an.txt"));

    @BeforeEach
    void open() throws Exception {
        vmd = new VmdStandIn(dir, "7.8");
        confPath = dir.resolve("vm.conf");
        vmd.confFile = confPath;
        new VmConfFile(confPath).write(VmConf.empty().withSwitch(VmConf.Switch.of("uplink", "bridge0")));
        manager = new VmdGuestManager(new VmdClient(vmd.socket, VmdProtocol.CURRENT), new VmConfFile(confPath), host);
    }

    @AfterEach
    void close() throws Exception {
        vmd.close();
    }

    private GuestSpec spec(String name, boolean autostart) throws Exception {
        Path disk = Files.createFile(dir.resolve(name + ".qcow2"));
        return GuestSpec.builder(name)
                .memoryMiB(1024)
                .disk(DiskSpec.file(disk.toString(), DiskSpec.Format.QCOW2))
                .disk(DiskSpec.cdrom("/var/iso/install.iso"))
                .nic(NicSpec.bridge("uplink"))
                .nic(new NicSpec(NicSpec.Type.USER, null, "virtio", null))
                .boot(BootSpec.bios(BootSpec.Device.CDROM, BootSpec.Device.DISK))
                .autostart(autostart)
                .build();
    }

    @Test
    void moreThanOneVcpuIsRefusedInTheReadersLanguage() throws Exception {
        try (Guest g = manager.define(spec("onecpu", false))) {
            UnsupportedGuestOperationException e =
                    assertThrows(UnsupportedGuestOperationException.class, () -> g.setVcpus(2));
            assertEquals("vmd runs one vCPU per VM", e.getMessage());
            assertEquals("vmd запускает одну vCPU на ВМ", e.text().render(Locale.forLanguageTag("ru")));
        }
    }

    @Test
    void defineWritesTheVmBlockReloadsAndDoesNotStartTheGuest() throws Exception {
        Guest g = manager.define(spec("web1", false));
        vmd.awaitReloads(1);
        assertTrue(vmd.startedByReload.isEmpty(), "vmd would have started an enabled VM on reload");
        VmConf.Vm block = new VmConfFile(confPath).read().vm("web1").orElseThrow();
        assertTrue(block.disabled());
        assertEquals(1L << 30, block.memoryBytes());
        assertEquals("qcow2", block.disks().get(0).format());
        assertEquals("/var/iso/install.iso", block.cdrom());
        assertEquals("cdrom", block.bootDevice());
        assertEquals("uplink", block.interfaces().get(0).switchName());
        assertTrue(block.interfaces().get(1).local());
        assertEquals(GuestState.STOPPED, g.state());
        assertEquals(g.spec(), manager.find("web1").orElseThrow().spec());
    }

    @Test
    void autostartGuestIsEnabledInVmConfButNotStartedByTheDefine() throws Exception {
        Guest g = manager.define(spec("auto", true));
        vmd.awaitReloads(1);
        assertTrue(vmd.startedByReload.isEmpty());
        assertTrue(g.autostart());
        assertFalse(new VmConfFile(confPath).read().vm("auto").orElseThrow().disabled());
    }

    @Test
    void lifecycleThroughVmd() throws Exception {
        Guest g = manager.define(spec("life", false));
        g.start();
        assertEquals(GuestState.RUNNING, g.state());
        assertEquals("/dev/ttyp0", g.consolePath().orElseThrow());
        assertEquals(
                List.of("life"),
                manager.list(GuestFilter.ACTIVE).stream().map(Guest::name).toList());
        g.suspend();
        assertEquals(GuestState.PAUSED, g.state());
        g.resume();
        assertTrue(g.shutdown(Duration.ofSeconds(5)));
        assertEquals(GuestState.STOPPED, g.state());
        assertTrue(manager.list(GuestFilter.ACTIVE).isEmpty());
        assertEquals(1, manager.list(GuestFilter.INACTIVE).size());
    }

    @Test
    void shutdownForcesAGuestThatIgnoresTheRequest() throws Exception {
        Guest g = manager.define(spec("stubborn", false));
        g.start();
        vmd.vms.get("stubborn").stopsOnRequest = false;
        assertFalse(g.shutdown(Duration.ofMillis(300)));
        assertEquals(GuestState.STOPPED, g.state());
    }

    @Test
    void undefineRemovesTheBlockAndWithStorageTheDisks() throws Exception {
        Guest g = manager.define(spec("gone", false));
        Path disk = dir.resolve("gone.qcow2");
        assertTrue(Files.exists(disk));
        g.undefine(UndefineOption.STORAGE);
        assertTrue(new VmConfFile(confPath).read().vm("gone").isEmpty());
        assertFalse(Files.exists(disk));
        assertTrue(manager.find("gone").isEmpty());
    }

    @Test
    void runningGuestCannotBeUndefinedOrRenamed() throws Exception {
        Guest g = manager.define(spec("busy", false));
        g.start();
        assertThrows(IllegalStateException.class, g::undefine);
        assertThrows(IllegalStateException.class, () -> g.rename("other"));
    }

    @Test
    void renameMovesTheDefinition() throws Exception {
        Guest g = manager.define(spec("old", false));
        Guest renamed = g.rename("new");
        assertEquals("new", renamed.name());
        VmConf c = new VmConfFile(confPath).read();
        assertTrue(c.vm("old").isEmpty());
        assertTrue(c.vm("new").isPresent());
        assertEquals(manager.find(renamed.uuid()).orElseThrow().name(), "new");
    }

    @Test
    void specsVmdCannotRunAreRefusedSaying() {
        assertThrows(
                UnsupportedOperationException.class,
                () -> manager.define(GuestSpec.builder("smp").vcpus(2).build()));
        UnsupportedGuestOperationException efi = assertThrows(
                UnsupportedGuestOperationException.class,
                () -> manager.define(GuestSpec.builder("efi")
                        .boot(BootSpec.uefi(BootSpec.Device.DISK))
                        .build()));
        assertEquals("vmd boots with SeaBIOS (vmm-firmware), not UEFI", efi.getMessage());
        assertEquals("vmd 使用 SeaBIOS（vmm-firmware）启动，而非 UEFI", efi.text().render(Locale.SIMPLIFIED_CHINESE));
        assertThrows(
                UnsupportedOperationException.class,
                () -> manager.define(GuestSpec.builder("gfx").vnc(true).build()));
        UnsupportedOperationException tcg = assertThrows(
                UnsupportedOperationException.class,
                () -> manager.define(
                        GuestSpec.builder("emu").accelerator(Accelerator.TCG).build()));
        assertTrue(tcg.getMessage().contains("TCG"), tcg.getMessage());
        assertTrue(new VmConfFile(confPath).read().vms().isEmpty(), "nothing was written");
    }

    @Test
    void autoAndKvmMeanTheKernelsVmm() {
        for (Accelerator a : List.of(Accelerator.AUTO, Accelerator.KVM)) {
            AcceleratorChoice c = manager.acceleratorChoice(a);
            assertEquals(Accelerator.KVM, c.accelerator(), a.toString());
            assertEquals("vmm", c.type());
            assertEquals("vmd runs guests on the kernel's vmm(4), in hardware", c.reason());
            assertEquals("vmd запускает гостей на vmm(4) ядра, аппаратно", c.reason(Locale.forLanguageTag("ru")));
        }
        assertThrows(UnsupportedOperationException.class, () -> manager.acceleratorChoice(Accelerator.TCG));
    }

    @Test
    void nicOnAnUndefinedSwitchIsRefusedBeforeVmConfIsTouched() throws Exception {
        String before = Files.readString(confPath);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> manager.define(
                        GuestSpec.builder("lost").nic(NicSpec.bridge("nowhere")).build()));
        assertTrue(e.getMessage().contains("nowhere"));
        assertEquals(before, Files.readString(confPath));
    }

    @Test
    void setMemoryAndAutostartEditVmConf() throws Exception {
        Guest g = manager.define(spec("m", false));
        g.setMemory(2L << 30);
        g.setAutostart(true);
        VmConf.Vm vm = new VmConfFile(confPath).read().vm("m").orElseThrow();
        assertEquals(2L << 30, vm.memoryBytes());
        assertFalse(vm.disabled());
        assertEquals(2L << 30, g.info().maxMemoryBytes());
    }

    @Test
    void everyInterfaceGetsAFixedMacInVmdsPatternUnlessTheSpecGivesOne() throws Exception {
        manager.define(GuestSpec.builder("macs")
                .nic(new NicSpec(NicSpec.Type.USER, null, "virtio", null))
                .nic(new NicSpec(NicSpec.Type.BRIDGE, "uplink", "virtio", "02:00:00:00:00:2a"))
                .build());
        List<VmConf.Interface> nics =
                new VmConfFile(confPath).read().vm("macs").orElseThrow().interfaces();
        assertTrue(
                nics.get(0).lladdr().matches("fe:e1:bb:d1:[0-9a-f]{2}:[0-9a-f]{2}"),
                nics.get(0).lladdr());
        assertEquals("02:00:00:00:00:2a", nics.get(1).lladdr());
    }

    @Test
    void addressesOfABridgedGuestComeFromTheHostsArpTableByItsMac() throws Exception {
        manager.define(GuestSpec.builder("web1")
                .nic(new NicSpec(NicSpec.Type.BRIDGE, "uplink", "virtio", "fe:e1:bb:d2:00:07"))
                .build());
        try (Guest g = manager.find("web1").orElseThrow()) {
            assertEquals(List.of(), g.addresses(GuestAddress.Source.ARP), "not running: no address, no arp run");
            g.start();
            List<GuestAddress> found = g.addresses(GuestAddress.Source.ARP);
            assertEquals(
                    List.of("192.168.77.23"),
                    found.stream().map(GuestAddress::address).toList());
            assertThrows(UnsupportedOperationException.class, () -> g.addresses(GuestAddress.Source.GUEST_AGENT));
        }
        assertEquals(List.of(VmdAddresses.ARP_COMMAND), host.commands);
    }

    @Test
    void aClosedHandleRefusesEveryCallAndClosesTwiceQuietly() throws Exception {
        Guest g = manager.define(spec("shut", false));
        vmd.awaitReloads(1); // define's status query was answered; its reload is not
        g.close();
        g.close();
        int before = vmd.received.size();
        List<Executable> calls = List.of(
                g::name,
                g::uuid,
                g::state,
                g::info,
                g::spec,
                g::start,
                () -> g.shutdown(Duration.ofSeconds(1)),
                g::destroy,
                g::reboot,
                g::suspend,
                g::resume,
                () -> g.undefine(),
                () -> g.rename("other"),
                () -> g.setMemory(1L << 30),
                () -> g.setVcpus(1),
                g::autostart,
                () -> g.setAutostart(true),
                () -> g.addresses(GuestAddress.Source.ARP),
                g::consolePath);
        for (Executable call : calls) {
            assertThrows(IllegalStateException.class, call);
        }
        assertEquals(before, vmd.received.size(), "nothing reached vmd");
        assertTrue(new VmConfFile(confPath).read().vm("shut").isPresent(), "nothing changed vm.conf");
        assertTrue(host.commands.isEmpty());
    }
}
