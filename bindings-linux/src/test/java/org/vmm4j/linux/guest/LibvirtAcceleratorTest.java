package org.vmm4j.linux.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.AcceleratorChoice;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.linux.host.LinuxProbe;
import org.vmm4j.linux.host.LiveLinuxHostFacts;
import org.vmm4j.testsupport.RequiresHost;

/**
 * A spec's accelerator against a real libvirtd ({@code qemu:///system}): the domain type libvirt stores, the
 * spec read back, and QEMU started with TCG. The daemons are started by {@code .ci/test}, not by the test.
 */
@RequiresHost(libvirtd = true, tools = "qemu-system-x86_64")
class LibvirtAcceleratorTest {
    private static final String PREFIX = "acc" + ProcessHandle.current().pid();
    private static LibvirtGuestManager libvirt;

    @BeforeAll
    static void connect() {
        libvirt = LibvirtGuestManager.connect("qemu:///system");
    }

    @AfterAll
    static void close() {
        if (libvirt != null) {
            libvirt.close();
        }
    }

    private static GuestSpec spec(String suffix, Accelerator accelerator) {
        return GuestSpec.builder(PREFIX + suffix)
                .memoryMiB(64)
                .serialConsole(false)
                .accelerator(accelerator)
                .build();
    }

    @Test
    void tcgGuestIsAnEmulatedDomainAndQemuRunsItWithTcg() throws IOException {
        GuestSpec spec = spec("t", Accelerator.TCG);
        try (LibvirtGuest guest = libvirt.define(spec)) {
            try {
                assertTrue(guest.xml().startsWith("<domain type='qemu'"), guest.xml());
                assertEquals(spec, guest.spec());
                guest.start();
                assertEquals(GuestState.RUNNING, guest.state());
                // libvirt logs the QEMU command line it ran
                String log = Files.readString(Path.of("/var/log/libvirt/qemu", spec.name() + ".log"));
                assertTrue(log.contains("accel=tcg") || log.contains("-accel tcg"), log);
                guest.destroy();
            } finally {
                guest.undefine();
            }
        }
    }

    @Test
    void kvmGuestIsAKvmDomain() {
        GuestSpec spec = spec("k", Accelerator.KVM);
        try (LibvirtGuest guest = libvirt.define(spec)) {
            try {
                assertTrue(guest.xml().startsWith("<domain type='kvm'"), guest.xml());
                assertEquals(Accelerator.KVM, guest.spec().accelerator());
            } finally {
                guest.undefine();
            }
        }
    }

    @Test
    void autoFollowsWhatThisHostsKvmCanRun() {
        AcceleratorChoice choice = libvirt.acceleratorChoice(Accelerator.AUTO);
        boolean emulated = LinuxProbe.guestCodeEmulated(new LiveLinuxHostFacts());
        boolean kvmOffered = libvirt.capabilitiesXml().contains("<domain type='kvm'");
        assertEquals(kvmOffered && !emulated ? "kvm" : "qemu", choice.type(), choice.reason());
        try (LibvirtGuest guest = libvirt.define(spec("a", Accelerator.AUTO))) {
            try {
                assertTrue(guest.xml().startsWith("<domain type='" + choice.type() + "'"), guest.xml());
            } finally {
                guest.undefine();
            }
        }
    }
}
