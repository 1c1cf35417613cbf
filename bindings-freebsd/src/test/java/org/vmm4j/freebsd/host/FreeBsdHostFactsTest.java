package org.vmm4j.freebsd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;

class FreeBsdHostFactsTest {

    @Test
    void sysctlValuesDecodeAsIntegersOrStrings() {
        try (NativeMemory m = NativeAccess.get().allocate(16)) {
            m.putInt(0, 1401000);
            assertEquals("1401000", FreeBsdHostFacts.decode(m, 4, FreeBsdHostFacts.CTLTYPE_INT));
            m.putInt(0, 64);
            assertEquals("64", FreeBsdHostFacts.decode(m, 4, FreeBsdHostFacts.CTLTYPE_INT), "not the string \"@\"");
            m.putInt(0, -1);
            assertEquals("4294967295", FreeBsdHostFacts.decode(m, 4, FreeBsdHostFacts.CTLTYPE_UINT));
            m.putLong(0, -2);
            assertEquals("18446744073709551614", FreeBsdHostFacts.decode(m, 8, FreeBsdHostFacts.CTLTYPE_U64));
            m.putInt(0, 3);
            m.putInt(4, 7);
            assertEquals("3 7", FreeBsdHostFacts.decode(m, 8, FreeBsdHostFacts.CTLTYPE_INT));
            m.clear();
            m.putString(0, "14.1-RELEASE");
            assertEquals("14.1-RELEASE", FreeBsdHostFacts.decode(m, 13, FreeBsdHostFacts.CTLTYPE_STRING));
        }
    }

    @Test
    void rejectsSysctlNamesThatAreNotNames() {
        assertThrows(IllegalArgumentException.class, () -> new FreeBsdHostFacts().sysctl("hw.vmm; reboot"));
    }

    @Test
    void missingProgramIsEmptyAndFilesAreRead() {
        FreeBsdHostFacts facts = new FreeBsdHostFacts();
        assertTrue(facts.run(List.of("/nonexistent/kldstat")).isEmpty());
        assertEquals(0, facts.run(List.of("true")).orElseThrow().exitCode());
        assertTrue(facts.readFile(Path.of("/nonexistent/dmesg.boot")).isEmpty());
    }
}
