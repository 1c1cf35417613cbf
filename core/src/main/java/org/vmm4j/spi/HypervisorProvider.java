package org.vmm4j.spi;

import java.util.List;
import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;

/**
 * What a platform backend implements; found with {@link java.util.ServiceLoader} (JPMS
 * {@code provides org.vmm4j.spi.HypervisorProvider with ...}).
 */
public interface HypervisorProvider {

    /**
     * The backends installed in this JVM, in {@link java.util.ServiceLoader} order, found once on
     * first use. Implementations must therefore be stateless: one instance serves every call.
     */
    static List<HypervisorProvider> installed() {
        return InstalledProviders.ALL;
    }

    /** The kind of hypervisor {@link #open()} returns, e.g. {@code "kvm"}. */
    String kind();

    /** Whether this backend is meant for the running operating system at all. */
    boolean supportsCurrentOs();

    /** Facts about the host for every kind this backend knows; must not open anything exclusive. */
    List<HypervisorInfo> probe();

    /**
     * Opens the hypervisor.
     *
     * @throws org.vmm4j.HypervisorUnavailableException saying why it cannot be used
     */
    Hypervisor open();

    /**
     * Connects to this backend's guest manager (tier 2) at {@code uri} ({@code null}: the default),
     * or returns empty when this backend has none.
     *
     * @throws org.vmm4j.VmmException when the manager exists but the connection fails
     */
    default java.util.Optional<org.vmm4j.guest.GuestManager> connectGuests(String uri) {
        return java.util.Optional.empty();
    }
}
