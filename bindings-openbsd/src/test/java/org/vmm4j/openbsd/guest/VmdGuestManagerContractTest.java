package org.vmm4j.openbsd.guest;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.contract.GuestManagerContract;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;

/**
 * The {@link GuestManagerContract} on vmd as the stand-in plays it, over a UNIX socket and a vm.conf in
 * a temporary directory, connected through {@link VmdGuestManager#connect}; no listeners and no bulk
 * statistics (vmd has neither).
 */
class VmdGuestManagerContractTest extends GuestManagerContract {
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

    static GuestManager connect(VmdStandIn vmd) {
        return VmdGuestManager.connect(
                "vmd://" + vmd.socket + "?config=" + vmd.confFile + "&release=7.8",
                () -> "7.8",
                new RecordedCommands());
    }

    static GuestSpec spec(String name) {
        return GuestSpec.builder(name).memoryMiB(256).build();
    }

    @Override
    protected GuestManager connect() {
        return connect(vmd);
    }

    @Override
    protected String expectedKind() {
        return VmdGuestManager.KIND;
    }

    @Override
    protected GuestSpec specFor(String name) {
        return spec(name);
    }
}
