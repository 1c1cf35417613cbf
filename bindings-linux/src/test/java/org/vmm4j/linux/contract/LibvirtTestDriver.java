package org.vmm4j.linux.contract;

import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.testsupport.HostRequirements;
import org.vmm4j.testsupport.RequiresHost;

/**
 * A private connection to libvirt's built-in test driver ({@code test:///default}: no daemon, state
 * in the connection) through the public API, and the small guest spec it defines; skips the test where
 * libvirt's library is not installed, or fails it under {@code VMM4J_REQUIRE_TOOLS=1}.
 */
final class LibvirtTestDriver {
    private LibvirtTestDriver() {}

    static GuestManager connect() {
        HostRequirements.file(RequiresHost.LIBVIRT_LIBRARY);
        return GuestManager.connect("test:///default");
    }

    static GuestSpec spec(String name) {
        return GuestSpec.builder(name).memoryMiB(128).vcpus(1).build();
    }
}
