package org.vmm4j.openbsd.guest;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.contract.GuestContract;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;

/** The {@link GuestContract} on vmd as the stand-in plays it; vmd has no snapshots. */
class VmdGuestContractTest extends GuestContract {
    @TempDir
    static Path dir;

    private static VmdStandIn vmd;

    @BeforeAll
    static void startVmd() throws Exception {
        vmd = new VmdStandIn(dir, "7.8");
        vmd.confFile = dir.resolve("vm.conf");
    }

    @AfterAll
    static void stopVmd() throws Exception {
        vmd.close();
    }

    @Override
    protected GuestManager connect() {
        return VmdGuestManagerContractTest.connect(vmd);
    }

    @Override
    protected GuestSpec specFor(String name) {
        return VmdGuestManagerContractTest.spec(name);
    }
}
