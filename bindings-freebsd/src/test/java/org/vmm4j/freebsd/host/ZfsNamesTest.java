package org.vmm4j.freebsd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ZfsNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"zroot/vm/web1", "tank/vm/web1/disk0", "zroot/vms/db_2.prod", "tank/vm/2024:01-a", "t/0"})
    void acceptsDatasetsBelowAPool(String name) {
        assertEquals(name, ZfsNames.requireDataset(name));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/zroot/vm",
                "zroot//vm",
                "zroot/vm/",
                "zroot/-o",
                "zroot/vm;rm",
                "zroot/v m",
                "zroot/.",
                "zroot/..",
                "zroot/.hidden",
                "zroot/vm@snap",
                "zroot/vm#mark",
                "zroot/vm\nx",
                "zroot",
                "",
                "raidz1/vm",
                "c0t0d0/vm",
                "1tank/vm"
            })
    void rejectsNamesZfsWouldRefuseOrThatCouldReadAsOptionsOrPathTricks(String name) {
        var e = assertThrows(IllegalArgumentException.class, () -> ZfsNames.requireDataset(name));
        assertTrue(e.getMessage().contains("ZFS"), e.getMessage());
    }

    @Test
    void rejectsNullAndNamesLongerThan255Characters() {
        assertThrows(IllegalArgumentException.class, () -> ZfsNames.requireDataset(null));
        String longest = "zroot/" + "a".repeat(249);
        assertEquals(longest, ZfsNames.requireDataset(longest));
        assertThrows(IllegalArgumentException.class, () -> ZfsNames.requireDataset(longest + "a"));
        assertThrows(IllegalArgumentException.class, () -> ZfsNames.requireDataset("zroot/" + "a".repeat(300)));
    }

    @Test
    void messagesDoNotEchoControlCharacters() {
        var e = assertThrows(IllegalArgumentException.class, () -> ZfsNames.requireDataset("zroot/x\u001b[2Jy"));
        assertTrue(e.getMessage().contains("x?[2Jy"), e.getMessage());
        assertFalse(e.getMessage().contains("\u001b"), e.getMessage());
    }
}
