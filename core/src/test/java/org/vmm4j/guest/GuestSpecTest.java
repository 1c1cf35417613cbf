package org.vmm4j.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class GuestSpecTest {

    @Test
    void memoryMiBThatOverflowsIsRefusedWithTheLimit() {
        GuestSpec.Builder b = GuestSpec.builder("g");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.memoryMiB((1L << 44) + 64));
        assertTrue(e.getMessage().contains(Long.toString((1L << 44) + 64)), e.getMessage());
        assertTrue(e.getMessage().contains((Long.MAX_VALUE >> 20) + " MiB"), e.getMessage());
    }

    @Test
    void negativeMemoryMiBIsRefused() {
        assertThrows(
                IllegalArgumentException.class, () -> GuestSpec.builder("g").memoryMiB(-1));
    }

    @Test
    void memoryThatIsNotWholeKiBIsRefused() {
        GuestSpec.Builder b = GuestSpec.builder("g").memoryBytes((64L << 20) + 512);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains("whole number of KiB"), e.getMessage());
        assertTrue(e.getMessage().contains(Long.toString((64L << 20) + 512)), e.getMessage());
    }

    @Test
    void wholeKiBMemoryIsKeptExactly() {
        assertEquals(
                (64L << 20) + 1024,
                GuestSpec.builder("g").memoryBytes((64L << 20) + 1024).build().memoryBytes());
    }

    @Test
    void tooManyVcpusAreRefusedWithTheLimit() {
        GuestSpec.Builder b = GuestSpec.builder("g").vcpus(100_000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains("100000"), e.getMessage());
        assertTrue(e.getMessage().contains(Integer.toString(GuestSpec.MAX_VCPUS)), e.getMessage());
    }

    @Test
    void theVcpuLimitItselfIsAccepted() {
        assertEquals(
                GuestSpec.MAX_VCPUS,
                GuestSpec.builder("g").vcpus(GuestSpec.MAX_VCPUS).build().vcpus());
    }

    @Test
    void aTopologyWhoseProductOverflowsIsRefused() {
        GuestSpec.Builder b = GuestSpec.builder("g");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> b.topology(65536, 65536, 65536));
        assertTrue(e.getMessage().contains(Integer.toString(GuestSpec.MAX_VCPUS)), e.getMessage());
    }

    @Test
    void aTopologyIsMultipliedOut() {
        assertEquals(16, GuestSpec.builder("g").topology(2, 4, 2).build().vcpus());
    }

    @Test
    void acceleratorIsAutoUnlessAskedAndSurvivesToBuilder() {
        assertEquals(Accelerator.AUTO, GuestSpec.builder("g").build().accelerator());
        GuestSpec tcg = GuestSpec.builder("g").accelerator(Accelerator.TCG).build();
        assertEquals(Accelerator.TCG, tcg.accelerator());
        assertEquals(tcg, tcg.toBuilder().build());
    }

    @Test
    void missingAcceleratorIsRefused() {
        GuestSpec.Builder b = GuestSpec.builder("g").accelerator(null);
        NullPointerException e = assertThrows(NullPointerException.class, b::build);
        assertTrue(e.getMessage().contains("accelerator"), e.getMessage());
    }

    @Test
    void tcgWithTheHostCpuPassedThroughIsRefused() {
        GuestSpec.Builder b =
                GuestSpec.builder("g").accelerator(Accelerator.TCG).cpuMode(GuestSpec.CpuMode.HOST_PASSTHROUGH);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains("host-passthrough"), e.getMessage());
        assertEquals(
                GuestSpec.CpuMode.HOST_PASSTHROUGH,
                b.accelerator(Accelerator.KVM).build().cpuMode(),
                "KVM may pass the host CPU through");
    }

    @Test
    void acceleratorNamesParseInAnyCaseAndUnknownOnesAreRefused() {
        for (Accelerator a : Accelerator.values()) {
            assertEquals(a, Accelerator.parse(a.label()));
            assertEquals(a, Accelerator.parse(a.label().toUpperCase(Locale.ROOT)));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Accelerator.parse("hvf"));
        assertTrue(e.getMessage().contains("hvf") && e.getMessage().contains("tcg"), e.getMessage());
    }

    @Test
    void acceleratorChoiceLabelNamesAcceleratorAndType() {
        assertEquals("tcg (qemu)", new AcceleratorChoice(Accelerator.TCG, "qemu", "why").label());
        assertEquals("test", new AcceleratorChoice(Accelerator.AUTO, "test", "why").label());
    }
}
