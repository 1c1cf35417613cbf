package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need /dev/kvm run for real where it exists and are skipped, with the reason, where it
 * does not; with {@code VMM4J_REQUIRE_KVM=1} (set by CI) a missing /dev/kvm fails instead.
 */
public final class KvmAvailable {
    private KvmAvailable() {
    }

    public static void require() {
        Path kvm = Path.of(KvmSystem.DEVICE);
        String reason = !Files.exists(kvm) ? "/dev/kvm does not exist"
                : !(Files.isReadable(kvm) && Files.isWritable(kvm)) ? "/dev/kvm is not accessible for this user" : null;
        if (reason == null) {
            return;
        }
        if ("1".equals(System.getenv("VMM4J_REQUIRE_KVM"))) {
            fail("VMM4J_REQUIRE_KVM=1 but " + reason);
        }
        Assumptions.abort("needs KVM: " + reason);
    }
}
