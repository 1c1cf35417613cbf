package org.vmm4j.linux.guest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.testsupport.RequiresHost;

/** {@link LibvirtDaemonContract} on the local system daemon, {@code qemu:///system}. */
@RequiresHost(libvirtd = true, tools = "qemu-system-x86_64", files = RequiresHost.DEBIAN_KERNEL)
class LibvirtDaemonTest extends LibvirtDaemonContract {
    private static LibvirtGuestManager libvirt;

    @BeforeAll
    static void connect() {
        libvirt = LibvirtGuestManager.connect("qemu:///system");
    }

    @AfterAll
    static void close() {
        if (libvirt != null) {
            libvirt.close();
        }
    }

    @Override
    LibvirtGuestManager libvirt() {
        return libvirt;
    }

    @Override
    String tag() {
        return "it";
    }

    @Override
    Accelerator accelerator() {
        return Accelerator.AUTO;
    }
}
