package org.vmm4j.linux.contract;

import org.junit.jupiter.api.Assumptions;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;

/**
 * A private connection to libvirt's built-in test driver ({@code test:///default}: no daemon, state
 * in the connection) through the public API, and the small guest spec it defines; aborts the test
 * with the reason where libvirt is not installed.
 */
final class LibvirtTestDriver {
    private LibvirtTestDriver() {
    }

    static GuestManager connect() {
        try {
            return GuestManager.connect("test:///default");
        } catch (HypervisorUnavailableException e) {
            Assumptions.abort("needs libvirt: " + e.getMessage());
            throw e;
        }
    }

    static GuestSpec spec(String name) {
        return GuestSpec.builder(name).memoryMiB(128).vcpus(1).build();
    }
}
