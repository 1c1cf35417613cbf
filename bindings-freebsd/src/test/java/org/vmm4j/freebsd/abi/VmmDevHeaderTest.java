package org.vmm4j.freebsd.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmm4j.testsupport.RequiresHost;

/**
 * The test doubles' own reading of vmm_dev.h ({@link VmmDevHeader}) against gcc, so that a double
 * that disagrees with the production layouts is right and they are wrong, not the other way round.
 */
class VmmDevHeaderTest {

    @Test
    @RequiresHost(tools = "gcc", files = RequiresHost.LIBC_HEADERS)
    void everyLayoutRequestAndEnumTheDoublesDeriveMatchesTheCCompiler() {
        Map<String, Long> c = CompiledAbi.layout();
        Map<String, Long> derived = VmmDevHeader.derived();
        List<String> mismatches = new ArrayList<>();
        derived.forEach((name, value) -> {
            Long expected = c.get(name);
            if (!value.equals(expected)) {
                mismatches.add(name + ": derived " + value + ", C " + expected);
            }
        });
        assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
        assertTrue(derived.size() > 200, "only " + derived.size() + " values compared");
    }

    @Test
    void layoutComputesPaddingLikeTheSystemVAbi() {
        // struct { char c; uint64_t x; uint16_t s; }: x aligned to 8, the whole padded to 24.
        CLayout s = CLayout.struct(
                "t",
                CLayout.member("c", CLayout.CHAR),
                CLayout.member("x", CLayout.UINT64),
                CLayout.member("s", CLayout.UINT16));
        assertEquals(8, s.offset("x"));
        assertEquals(16, s.offset("s"));
        assertEquals(24, s.size());
        assertEquals(136, VmmDevHeader.VM_EXIT.size(), "vm_exit: 16 bytes of header, a 120-byte union");
    }
}
