package org.vmm4j.linux.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.NetworkSpec;
import org.vmm4j.guest.NicSpec;

/** GuestSpec and NetworkSpec to libvirt XML and back, without libvirt. */
class DomainXmlTest {

    @Test
    void directKernelSpecRoundTripsThroughXml() {
        GuestSpec spec = GuestSpec.builder("k1")
                .memoryMiB(300)
                .topology(1, 2, 2)
                .disk(new DiskSpec(
                        "pool1/k1.qcow2",
                        DiskSpec.SourceType.VOLUME,
                        DiskSpec.Format.QCOW2,
                        DiskSpec.Bus.VIRTIO,
                        false,
                        false))
                .disk(new DiskSpec(
                        "/dev/sdb", DiskSpec.SourceType.BLOCK, DiskSpec.Format.RAW, DiskSpec.Bus.SCSI, false, true))
                .nic(NicSpec.network("net1"))
                .serialConsole(true)
                .boot(BootSpec.kernel("/boot/vmlinuz", "/boot/initrd.img", "console=ttyS0 root=/dev/vda"))
                .accelerator(Accelerator.KVM)
                .build();
        String xml = DomainXml.toXml(spec, "kvm");
        assertEquals(spec, DomainXml.parse(xml, false));
        assertTrue(xml.contains("<kernel>/boot/vmlinuz</kernel>"), xml);
        assertTrue(xml.contains("<topology cores=\"2\" sockets=\"1\" threads=\"2\"/>"), xml);
    }

    @Test
    void aSerialConsoleIsOpenableAsAConsoleStreamAndNoneIsNot() {
        GuestSpec.Builder builder =
                GuestSpec.builder("c1").boot(BootSpec.kernel("/boot/vmlinuz", null, "console=ttyS0"));
        String with = DomainXml.toXml(builder.serialConsole(true).build(), "qemu");
        String without = DomainXml.toXml(builder.serialConsole(false).build(), "qemu");
        assertTrue(with.contains("<serial type=\"pty\">") && with.contains("<console type=\"pty\">"), with);
        assertTrue(DomainXml.hasConsole(with));
        assertFalse(DomainXml.hasConsole(without), without);
    }

    @Test
    void uefiBootOrderRoundTrips() {
        GuestSpec spec = GuestSpec.builder("u1")
                .boot(BootSpec.uefi(BootSpec.Device.NETWORK, BootSpec.Device.DISK))
                .serialConsole(false)
                .accelerator(Accelerator.TCG)
                .build();
        String xml = DomainXml.toXml(spec, "qemu");
        assertTrue(xml.contains("firmware=\"efi\""), xml);
        assertEquals(spec, DomainXml.parse(xml, false));
    }

    @Test
    void kernelCommandLineIsEscapedByTheSerializer() {
        String cmdline = "console=ttyS0 a=\"<x>&'y'\"";
        GuestSpec spec = GuestSpec.builder("esc1")
                .boot(BootSpec.kernel("/k", null, cmdline))
                .build();
        String xml = DomainXml.toXml(spec, "kvm");
        assertTrue(xml.contains("&lt;x&gt;&amp;"), xml);
        assertEquals(cmdline, DomainXml.parse(xml, false).boot().cmdline());
    }

    @Test
    void parsesMemoryInAnyLibvirtUnit() {
        String xml = "<domain type='kvm'><name>m1</name><memory unit='GiB'>2</memory><vcpu>3</vcpu>"
                + "<os><type>hvm</type><boot dev='hd'/></os></domain>";
        GuestSpec spec = DomainXml.parse(xml, true);
        assertEquals(2L << 30, spec.memoryBytes());
        assertEquals(3, spec.vcpus());
        assertEquals(3, spec.sockets());
        assertTrue(spec.autostart());
        assertFalse(spec.serialConsole());
    }

    @Test
    void rejectsDoctypeSoNoEntityIsExpanded() {
        String xml = "<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain><name>&x;</name>"
                + "<memory>1024</memory></domain>";
        assertThrows(IllegalArgumentException.class, () -> DomainXml.parse(xml, false));
    }

    @Test
    void raisingTheVcpuMaximumKeepsTheTopologyConsistent() {
        GuestSpec twoCores = GuestSpec.builder("v1").topology(1, 2, 1).build();
        GuestSpec raised = DomainXml.parse(DomainXml.withVcpuMaximum(DomainXml.toXml(twoCores, "kvm"), 6), false);
        assertEquals(6, raised.vcpus());
        assertEquals(3, raised.sockets());
        assertEquals(2, raised.cores());
        GuestSpec odd = DomainXml.parse(DomainXml.withVcpuMaximum(DomainXml.toXml(twoCores, "kvm"), 3), false);
        assertEquals(3, odd.vcpus());
        assertEquals(3, odd.sockets());
        assertEquals(1, odd.cores());
    }

    @Test
    void raisingTheVcpuMaximumOfADocumentWithZeroCoresGivesOneCorePerSocket() {
        String broken = DomainXml.toXml(
                        GuestSpec.builder("v1").topology(1, 2, 1).build(), "kvm")
                .replace("cores='2'", "cores='0'")
                .replace("cores=\"2\"", "cores=\"0\"");
        assertTrue(broken.contains("cores='0'") || broken.contains("cores=\"0\""), broken);
        GuestSpec raised = DomainXml.parse(DomainXml.withVcpuMaximum(broken, 4), false); // was ArithmeticException
        assertEquals(4, raised.vcpus());
        assertEquals(4, raised.sockets());
        assertEquals(1, raised.cores());
    }

    @Test
    void refusesAMemorySizeBeyondALongNamingTheElement() {
        // 2^60 GiB used to overflow Math.multiplyExact and leak an ArithmeticException
        String xml = "<domain><name>m</name><memory unit='GiB'>1152921504606846976</memory></domain>";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DomainXml.parse(xml, false));
        assertTrue(e.getMessage().contains("<memory>") && e.getMessage().contains("2^63"), e.getMessage());
    }

    @Test
    void refusesNonNumericCountsNamingTheElementOrAttribute() {
        IllegalArgumentException memory = assertThrows(
                IllegalArgumentException.class,
                () -> DomainXml.parse("<domain><name>m</name><memory>lots</memory></domain>", false));
        assertEquals("<memory> is not a whole number: 'lots'", memory.getMessage());
        IllegalArgumentException vcpu = assertThrows(
                IllegalArgumentException.class,
                () -> DomainXml.parse("<domain><name>m</name><memory>65536</memory><vcpu>2x</vcpu></domain>", false));
        assertEquals("<vcpu> is not a whole number in the int range: '2x'", vcpu.getMessage());
        IllegalArgumentException cores = assertThrows(
                IllegalArgumentException.class,
                () -> DomainXml.parse(
                        "<domain><name>m</name><memory>65536</memory><cpu><topology cores='9999999999'/></cpu>"
                                + "</domain>",
                        false));
        assertEquals("<topology cores> is not a whole number in the int range: '9999999999'", cores.getMessage());
    }

    @Test
    void refusesAVolumeDiskWithoutPoolOrVolume() {
        // used to parse as the volume "null/v", or "p/" which toXml then refused
        for (String source :
                new String[] {"<source volume='v'/>", "<source pool='p'/>", "<source pool='a/b' volume='c'/>"}) {
            String xml = "<domain><name>m</name><memory>65536</memory><devices><disk type='volume'>" + source
                    + "</disk></devices></domain>";
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> DomainXml.parse(xml, false), source);
            assertTrue(e.getMessage().startsWith("a volume disk's <source> needs a pool name"), e.getMessage());
        }
    }

    @Test
    void rejectsNonDomainDocument() {
        assertThrows(IllegalArgumentException.class, () -> DomainXml.parse("<network/>", false));
    }

    @Test
    void networkSpecsRoundTripForEveryMode() {
        for (NetworkSpec spec : new NetworkSpec[] {
            NetworkSpec.nat("nat1", "192.168.150.1"),
            NetworkSpec.isolated("iso1", "10.10.0.1"),
            new NetworkSpec("r1", NetworkSpec.Mode.ROUTED, "virbr9", "172.20.0.1", 16, null, null),
            NetworkSpec.bridge("b1", "br0")
        }) {
            assertEquals(spec, NetworkXml.parse(NetworkXml.toXml(spec)), spec.toString());
        }
    }

    @Test
    void isolatedNetworkHasNoForwardElement() {
        assertFalse(NetworkXml.toXml(NetworkSpec.isolated("iso2", "10.11.0.1")).contains("forward"));
    }

    @Test
    void domainTypeReadsAsTheAccelerator() {
        String body = "<name>a</name><memory unit='MiB'>64</memory>";
        assertEquals(
                Accelerator.KVM,
                DomainXml.parse("<domain type='kvm'>" + body + "</domain>", false)
                        .accelerator());
        assertEquals(
                Accelerator.TCG,
                DomainXml.parse("<domain type='qemu'>" + body + "</domain>", false)
                        .accelerator());
        assertEquals(
                Accelerator.AUTO,
                DomainXml.parse("<domain type='test'>" + body + "</domain>", false)
                        .accelerator());
        assertEquals(
                Accelerator.AUTO,
                DomainXml.parse("<domain>" + body + "</domain>", false).accelerator());
    }

    @Test
    void eachAcceleratorRoundTripsThroughItsDomainType() {
        for (Accelerator a : List.of(Accelerator.KVM, Accelerator.TCG)) {
            GuestSpec spec = GuestSpec.builder("acc").accelerator(a).build();
            String xml = DomainXml.toXml(spec, DomainXml.domainType(a));
            assertTrue(xml.startsWith("<domain type=\"" + (a == Accelerator.KVM ? "kvm" : "qemu") + "\">"), xml);
            assertEquals(spec, DomainXml.parse(xml, false));
        }
    }

    @Test
    void domainTypeContradictingTheAcceleratorIsRefused() {
        GuestSpec tcg = GuestSpec.builder("t").accelerator(Accelerator.TCG).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DomainXml.toXml(tcg, "kvm"));
        assertTrue(e.getMessage().contains("TCG") && e.getMessage().contains("qemu"), e.getMessage());
        GuestSpec kvm = GuestSpec.builder("k").accelerator(Accelerator.KVM).build();
        assertThrows(IllegalArgumentException.class, () -> DomainXml.toXml(kvm, "qemu"));
        // the test driver takes any spec
        assertTrue(DomainXml.toXml(tcg, "test").contains("type=\"test\""));
    }

    @Test
    void emulatedDomainWithHostPassthroughIsRefusedWhenRead() {
        String xml = "<domain type='qemu'><name>hp</name><memory unit='MiB'>64</memory>"
                + "<cpu mode='host-passthrough'/></domain>";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DomainXml.parse(xml, false));
        assertTrue(e.getMessage().contains("host-passthrough"), e.getMessage());
    }

    @Test
    void guestAgentChannelIsWrittenOnlyWhenAskedAndRoundTrips() {
        GuestSpec withAgent = GuestSpec.builder("ga1")
                .boot(BootSpec.kernel("/k", "/i", "root=/dev/vda"))
                .nic(NicSpec.network("default"))
                .guestAgent(true)
                .accelerator(Accelerator.TCG)
                .build();
        String xml = DomainXml.toXml(withAgent, "qemu");
        assertTrue(
                xml.replaceAll(">\\s+<", "><")
                        .contains("<channel type=\"unix\"><target name=\"org.qemu.guest_agent.0\" type=\"virtio\"/>"),
                xml);
        assertEquals(withAgent, DomainXml.parse(xml, false));

        GuestSpec without = withAgent.toBuilder().guestAgent(false).build();
        String plain = DomainXml.toXml(without, "qemu");
        assertFalse(plain.contains("<channel"), plain);
        assertFalse(DomainXml.parse(plain, false).guestAgent());
    }

    @Test
    void onlyTheAgentsChannelNameReadsAsAGuestAgent() {
        String xml = "<domain type='qemu'><name>ch</name><memory unit='MiB'>64</memory><devices>"
                + "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>"
                + "</devices></domain>";
        assertFalse(DomainXml.parse(xml, false).guestAgent());
        assertTrue(DomainXml.parse(xml.replace("com.redhat.spice.0", "org.qemu.guest_agent.0"), false)
                .guestAgent());
    }
}
