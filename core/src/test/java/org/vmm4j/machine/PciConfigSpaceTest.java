package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PciConfigSpaceTest {

    private final PciConfigSpace pci = new PciConfigSpace();
    private final PortIoBus bus = new PortIoBus();

    {
        bus.register(0xcf8, 8, pci);
    }

    /** A function whose registers read as {@code values} says and ignore writes. */
    private static PciConfigSpace.Function readingAs(java.util.function.IntUnaryOperator values) {
        return new PciConfigSpace.Function() {
            @Override
            public int readConfig(int register, int size) {
                return values.applyAsInt(register);
            }

            @Override
            public void writeConfig(int register, int size, int value) {}
        };
    }

    private static int address(int device, int function, int register) {
        return 0x8000_0000 | device << 11 | function << 8 | register;
    }

    @Test
    void emptySlotsAnswerAllOnes() {
        for (int dev = 0; dev < 32; dev++) {
            bus.write(0xcf8, 4, address(dev, 0, 0));
            assertEquals(0xffff_ffff, bus.read(0xcfc, 4), "device " + dev);
            assertEquals(0xffff, bus.read(0xcfe, 2));
            assertEquals(0xff, bus.read(0xcff, 1));
        }
    }

    @Test
    void addressRegisterReadsBackAsLinuxType1ProbeExpects() {
        bus.write(0xcfb, 1, 0x01);
        bus.write(0xcf8, 4, 0x8000_0000);
        assertEquals(0x8000_0000, bus.read(0xcf8, 4));
    }

    @Test
    void attachedFunctionAnswersItsRegisters() {
        pci.attach(3, 0, readingAs(register -> register == 0 ? 0x1001_1af4 : register));
        bus.write(0xcf8, 4, address(3, 0, 0));
        assertEquals(0x1001_1af4, bus.read(0xcfc, 4), "vendor and device id");
        bus.write(0xcf8, 4, address(3, 0, 0x10));
        assertEquals(0x12, bus.read(0xcfe, 2), "register offset includes the data port byte");
        bus.write(0xcf8, 4, address(3, 1, 0));
        assertEquals(0xffff_ffff, bus.read(0xcfc, 4), "other function of the same device");
        bus.write(0xcf8, 4, address(3, 0, 0) & 0x7fff_ffff);
        assertEquals(0xffff_ffff, bus.read(0xcfc, 4), "enable bit clear");
        bus.write(0xcf8, 4, address(3, 0, 0) | 1 << 16);
        assertEquals(0xffff_ffff, bus.read(0xcfc, 4), "bus 1");
    }

    @Test
    void rejectsSlotOutOfRangeOrTaken() {
        PciConfigSpace.Function f = readingAs(register -> 0);
        assertThrows(IllegalArgumentException.class, () -> pci.attach(32, 0, f));
        pci.attach(1, 0, f);
        assertThrows(IllegalArgumentException.class, () -> pci.attach(1, 0, f));
    }
}
