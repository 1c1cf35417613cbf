package org.vmm4j.linux.contract;

import org.vmm4j.contract.GuestManagerContract;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;

/** The {@link GuestManagerContract} on libvirt's test driver: events and bulk statistics included. */
class LibvirtGuestManagerContractTest extends GuestManagerContract {
    @Override
    protected GuestManager connect() {
        return LibvirtTestDriver.connect();
    }

    @Override
    protected String expectedKind() {
        return "libvirt";
    }

    @Override
    protected GuestSpec specFor(String name) {
        return LibvirtTestDriver.spec(name);
    }

    @Override
    protected boolean supportsListeners() {
        return true;
    }

    @Override
    protected boolean supportsBulkStats() {
        return true;
    }
}
