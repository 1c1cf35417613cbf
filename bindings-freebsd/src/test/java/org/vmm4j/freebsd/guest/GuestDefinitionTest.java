package org.vmm4j.freebsd.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.NicSpec;

class GuestDefinitionTest {

    @Test
    void everyFieldSurvivesFormatAndParse() {
        GuestSpec spec = GuestSpec.builder("full")
                .memoryBytes(3L << 30)
                .topology(2, 2, 1)
                .cpuMode(GuestSpec.CpuMode.HOST_PASSTHROUGH)
                .serialConsole(false)
                .vnc(true)
                .autostart(true)
                .accelerator(Accelerator.KVM)
                .disk(new DiskSpec(
                        "zroot/vm/full",
                        DiskSpec.SourceType.VOLUME,
                        DiskSpec.Format.RAW,
                        DiskSpec.Bus.NVME,
                        false,
                        true))
                .disk(DiskSpec.cdrom("/iso/seed=1.iso"))
                .nic(new NicSpec(NicSpec.Type.TAP, "tap9", "e1000", "58:9c:fc:0a:0b:0c"))
                .nic(NicSpec.bridge("bridge0"))
                .boot(new BootSpec(
                        BootSpec.Firmware.BIOS,
                        java.util.List.of(),
                        "/boot/kernel/kernel",
                        "/boot/initrd",
                        "console=ttyS0 root=/dev/vda1"))
                .build();
        BhyveGuestOptions options = new BhyveGuestOptions(true, Map.of(0, "4", 3, "5-7"), "[::1]:5905", true);
        GuestDefinition d = new GuestDefinition(spec, UUID.fromString("123e4567-e89b-12d3-a456-426614174000"), options);
        GuestDefinition back = GuestDefinition.parse(d.format());
        assertEquals(d, back);
    }

    @Test
    void aDefinitionWrittenBeforeAcceleratorsReadsAuto() {
        GuestSpec spec = GuestSpec.builder("old").accelerator(Accelerator.KVM).build();
        String text = new GuestDefinition(spec, UUID.randomUUID(), BhyveGuestOptions.defaults()).format();
        assertTrue(text.contains("accelerator=KVM\n"), text);
        GuestDefinition back = GuestDefinition.parse(text.replace("accelerator=KVM\n", ""));
        assertEquals(Accelerator.AUTO, back.spec().accelerator());
    }

    @Test
    void rejectsTextThatIsNotADefinition() {
        assertThrows(IllegalArgumentException.class, () -> GuestDefinition.parse("name=x\n"));
        assertThrows(IllegalArgumentException.class, () -> GuestDefinition.parse("vmm4j.guest=1\nname=x\n"));
    }

    @Test
    void refusesValuesWithLineBreaks() {
        GuestSpec spec = GuestSpec.builder("nl")
                .disk(DiskSpec.file("/vm/a\nb.img", DiskSpec.Format.RAW))
                .build();
        GuestDefinition d = new GuestDefinition(spec, UUID.randomUUID(), BhyveGuestOptions.defaults());
        assertThrows(IllegalArgumentException.class, d::format);
    }
}
