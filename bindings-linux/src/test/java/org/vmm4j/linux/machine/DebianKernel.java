package org.vmm4j.linux.machine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

/** The distribution kernel installed by apt (linux-image-amd64): /boot/vmlinuz-*. */
final class DebianKernel {
    private DebianKernel() {
    }

    static Path require() throws IOException {
        Optional<Path> found;
        try (Stream<Path> s = Files.list(Path.of("/boot"))) {
            found = s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).sorted().findFirst();
        } catch (java.nio.file.NoSuchFileException e) {
            found = Optional.empty();
        }
        if (found.isEmpty()) {
            if ("1".equals(System.getenv("VMM4J_REQUIRE_KVM"))) {
                throw new AssertionError("no /boot/vmlinuz-*: install linux-image-amd64");
            }
            Assumptions.abort("no /boot/vmlinuz-* (apt install linux-image-amd64)");
        }
        return found.get();
    }

    /** Guest code is emulated instruction by instruction under nested PVM: a full boot cannot finish. */
    static boolean hostIsNestedPvm() {
        return Files.isDirectory(Path.of("/sys/module/kvm_pvm"));
    }
}
