package org.vmm4j.openbsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmm4j.HostCapabilities;
import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Os;
import org.vmm4j.openbsd.guest.VmdGuestManager;
import org.vmm4j.openbsd.internal.OpenBsdSysctl;

class OpenBsdProviderTest {
    private final List<String> asked = new ArrayList<>();
    /** A kernel that answers kern.osrelease {1, 2} with "7.8" and refuses anything else. */
    private final OpenBsdSysctl release78 = new OpenBsdSysctl(mib -> {
        asked.add(mib[0] + "." + mib[1]);
        if (mib.length == 2 && mib[0] == 1 && mib[1] == 2) {
            return "7.8\0".getBytes(StandardCharsets.UTF_8);
        }
        throw Errno.exception("sysctl", Errno.ENOENT);
    });

    @Test
    void reportsUnsupportedAndRefusesToOpenOffOpenBsd() {
        assumeTrue(Os.current() != Os.OPENBSD, "this host is OpenBSD");
        OpenBsdProvider provider = new OpenBsdProvider();
        assertEquals(OpenBsdHypervisor.KIND, provider.kind());
        assertFalse(provider.supportsCurrentOs());
        assertThrows(HypervisorUnavailableException.class, provider::open);
    }

    @Test
    void probingThroughServiceLoaderOffOpenBsdReportsNoOpenBsdKinds() {
        assumeTrue(Os.current() != Os.OPENBSD, "this host is OpenBSD");
        HostCapabilities caps = Hypervisor.probe();
        assertTrue(
                caps.hypervisors().stream()
                        .noneMatch(h -> h.kind().equals(OpenBsdHypervisor.KIND)
                                || h.kind().equals(VmdGuestManager.KIND)),
                caps.toString());
    }

    @Test
    void probeReadsTheReleaseThroughTheSharedSysctlReader() {
        List<HypervisorInfo> infos = new OpenBsdProvider(release78, CommandExecutor.system()).probe();
        assertEquals(OpenBsdHypervisor.KIND, infos.get(0).kind());
        assertEquals("7.8", infos.get(0).version());
        assertEquals("7.8", infos.get(0).details().get("abi"));
        assertEquals(VmdGuestManager.KIND, infos.get(1).kind());
        assertEquals(List.of("1.2"), asked);
    }

    @Test
    void connectGuestsRefusesAUriThatIsNotVmdsBeforeAskingTheKernel() {
        OpenBsdProvider provider = new OpenBsdProvider(release78, CommandExecutor.system());
        assertThrows(IllegalArgumentException.class, () -> provider.connectGuests("qemu:///system"));
        assertThrows(IllegalArgumentException.class, () -> provider.connectGuests("test:///default"));
        assertTrue(asked.isEmpty());
    }
}
