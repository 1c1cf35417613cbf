package org.vmm4j.freebsd.guest;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.contract.GuestManagerContract;
import org.vmm4j.freebsd.BhyveHypervisor;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;

/** The guest-manager contract for bhyve: {@code GuestManager.connect} on the stand-in FreeBSD host. */
class BhyveGuestManagerContractTest extends GuestManagerContract {
    @TempDir
    Path tmp;

    @Override
    protected GuestManager connect() {
        return StandInGuests.connect(tmp);
    }

    @Override
    protected String expectedKind() {
        return BhyveHypervisor.KIND;
    }

    @Override
    protected GuestSpec specFor(String name) {
        return StandInGuests.spec(name);
    }
}
