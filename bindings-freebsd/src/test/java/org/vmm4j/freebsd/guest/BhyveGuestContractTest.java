package org.vmm4j.freebsd.guest;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.contract.GuestContract;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;

/** The guest contract for bhyve: guests of {@code GuestManager.connect} on the stand-in FreeBSD host. */
class BhyveGuestContractTest extends GuestContract {
    @TempDir
    Path tmp;

    @Override
    protected GuestManager connect() {
        return StandInGuests.connect(tmp);
    }

    @Override
    protected GuestSpec specFor(String name) {
        return StandInGuests.spec(name);
    }
}
