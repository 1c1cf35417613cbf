package org.vmm4j.spi;

import java.util.List;

import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;

/**
 * What a platform backend implements; found with {@link java.util.ServiceLoader} (JPMS
 * {@code provides org.vmm4j.spi.HypervisorProvider with ...}).
 */
public interface HypervisorProvider {

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
}
