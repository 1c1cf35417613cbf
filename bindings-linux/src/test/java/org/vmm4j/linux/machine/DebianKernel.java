package org.vmm4j.linux.machine;

import java.nio.file.Files;
import java.nio.file.Path;

/** What the boot tests of Debian's kernel (HostRequirements.debianKernel()) must know about this host. */
final class DebianKernel {
    private DebianKernel() {}

    /** Guest code is emulated instruction by instruction under nested PVM: a full boot cannot finish. */
    static boolean hostIsNestedPvm() {
        return Files.isDirectory(Path.of("/sys/module/kvm_pvm"));
    }
}
