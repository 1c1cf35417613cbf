package org.vmm4j.linux.contract;

import org.vmm4j.contract.GuestContract;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.testsupport.RequiresHost;

/** The {@link GuestContract} on libvirt's test driver, snapshots and console refusals included. */
@RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
class LibvirtGuestContractTest extends GuestContract {
    @Override
    protected GuestManager connect() {
        return LibvirtTestDriver.connect();
    }

    @Override
    protected GuestSpec specFor(String name) {
        return LibvirtTestDriver.spec(name);
    }

    @Override
    protected boolean supportsSnapshots() {
        return true;
    }

    @Override
    protected boolean supportsConsole() {
        return true;
    }
}
