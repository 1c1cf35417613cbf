package org.vmm4j.linux.contract;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.vmm4j.Hypervisor;

/**
 * Opens KVM for the contract tests where /dev/kvm is usable and aborts them, with the reason, where it
 * is not; with {@code VMM4J_REQUIRE_KVM=1} (set by CI) a missing /dev/kvm fails instead. Only the
 * public API: {@code Hypervisor.open("kvm")}.
 */
final class KvmDevice {
    private static final Path DEVICE = Path.of("/dev/kvm");

    private KvmDevice() {
    }

    static Hypervisor open() {
        String reason = !Files.exists(DEVICE) ? DEVICE + " does not exist"
                : !(Files.isReadable(DEVICE) && Files.isWritable(DEVICE)) ? DEVICE + " is not accessible for this user"
                : null;
        if (reason != null) {
            if ("1".equals(System.getenv("VMM4J_REQUIRE_KVM"))) {
                fail("VMM4J_REQUIRE_KVM=1 but " + reason);
            }
            Assumptions.abort("needs KVM: " + reason);
        }
        return Hypervisor.open("kvm");
    }
}
