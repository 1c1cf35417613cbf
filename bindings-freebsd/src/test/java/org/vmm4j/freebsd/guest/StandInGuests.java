package org.vmm4j.freebsd.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import org.vmm4j.freebsd.internal.BhyveHost;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.host.RecordedHostFacts;

/** TEST-ONLY: what the guest contracts need from the stand-in host, through the public entry point. */
final class StandInGuests {
    private StandInGuests() {}

    /**
     * {@code GuestManager.connect("bhyve://STATE")} with a {@link StandInHost} in {@code dir} installed as
     * this FreeBSD host, every bhyve started there running until stopped; the manager keeps the stand-in
     * after the installation ends.
     */
    static GuestManager connect(Path dir) {
        try {
            StandInHost host = new StandInHost(dir);
            host.statuses(Collections.nCopies(200, "wait").toArray(String[]::new));
            Files.createDirectories(host.layout.stateDir());
            BhyveHost.Installation installed =
                    BhyveHost.install(new BhyveHost(true, new RecordedHostFacts(), () -> host, host, host::layout));
            try {
                return GuestManager.connect("bhyve://" + host.layout.stateDir());
            } finally {
                installed.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A guest bhyve can define and the stand-in can start: 256 MiB, BIOS (CSM firmware), no disks. */
    static GuestSpec spec(String name) {
        return GuestSpec.builder(name).memoryMiB(256).boot(BootSpec.bios()).build();
    }
}
