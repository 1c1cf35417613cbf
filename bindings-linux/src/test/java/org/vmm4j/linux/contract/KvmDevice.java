package org.vmm4j.linux.contract;

import org.vmm4j.Hypervisor;
import org.vmm4j.testsupport.HostRequirements;

/**
 * Opens KVM for the contract tests where /dev/kvm is usable; skips them where it is not, or fails them
 * under {@code VMM4J_REQUIRE_KVM=1} (see {@link HostRequirements}). Only the public API:
 * {@code Hypervisor.open("kvm")}.
 */
final class KvmDevice {
    private KvmDevice() {}

    static Hypervisor open() {
        HostRequirements.requireKvm();
        return Hypervisor.open("kvm");
    }
}
