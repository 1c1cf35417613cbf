package org.vmm4j.x86;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class EmulationFailureTest {
    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

    @Test
    void namesRipBytesOfTheInstructionAndHint() {
        byte[] fetched = HEX.parseHex("f3 48 0f b8 c7 48 89 c3 c3 90 90 90 90 90 90");
        EmulationFailure f = new EmulationFailure(0xffffffff8123abcdL, fetched, true, null);
        assertEquals(
                "the hypervisor could not emulate the instruction at RIP 0xffffffff8123abcd (f3 48 0f b8 c7):"
                        + " POPCNT: use --cpu baseline or -popcnt",
                f.toString());
        assertArrayEquals(HEX.parseHex("f3 48 0f b8 c7"), f.instructionBytes(), "just the instruction's bytes");
        assertEquals("POPCNT", f.instruction().orElseThrow().name());
        assertTrue(f.detail().isEmpty());
    }

    @Test
    void anUnknownInstructionKeepsEveryByte() {
        byte[] fetched = HEX.parseHex("0f 0b 90");
        EmulationFailure f = new EmulationFailure(0x1000, fetched, true, null);
        assertEquals(
                "the hypervisor could not emulate the instruction at RIP 0x1000 (0f 0b 90):"
                        + " an instruction vmm4j has no advice for",
                f.toString());
        assertTrue(f.instruction().isEmpty());
    }

    @Test
    void saysWhenTheBytesCouldNotBeReadAndWhyVmm4jCouldNotHelp() {
        EmulationFailure f = new EmulationFailure(0x2000, new byte[0], true, "it is not mapped");
        assertEquals(
                "the hypervisor could not emulate the instruction at RIP 0x2000 (its bytes could not be read):"
                        + " an instruction vmm4j has no advice for; it is not mapped",
                f.toString());
    }

    @Test
    void anUndeliverableInt3CarriesTheReason() {
        EmulationFailure f = new EmulationFailure(
                0x1001,
                HEX.parseHex("cc 90"),
                true,
                "vmm4j could not deliver the breakpoint either: IDT gate 3 is not present");
        assertEquals(
                "the hypervisor could not emulate the instruction at RIP 0x1001 (cc): INT3;"
                        + " vmm4j could not deliver the breakpoint either: IDT gate 3 is not present",
                f.toString());
    }

    @Test
    void copiesTheBytesInAndOut() {
        byte[] fetched = HEX.parseHex("0f 01 ca");
        EmulationFailure f = new EmulationFailure(1, fetched, true, null);
        fetched[0] = 0;
        f.instructionBytes()[1] = 0;
        assertArrayEquals(HEX.parseHex("0f 01 ca"), f.instructionBytes());
    }
}
