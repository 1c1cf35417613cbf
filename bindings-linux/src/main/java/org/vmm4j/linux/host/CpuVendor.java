package org.vmm4j.linux.host;

import java.util.Optional;
import org.vmm4j.internal.HostText;

/** The x86 CPU vendor, which decides the KVM module: {@code kvm_intel} or {@code kvm_amd}. */
public enum CpuVendor {
    INTEL("kvm_intel"),
    AMD("kvm_amd");

    private final String kvmModule;

    CpuVendor(String kvmModule) {
        this.kvmModule = kvmModule;
    }

    public String kvmModule() {
        return kvmModule;
    }

    /** Reads the {@code vendor_id} line of {@code /proc/cpuinfo} text. */
    public static Optional<CpuVendor> fromCpuInfo(String cpuinfo) {
        return HostText.value(cpuinfo, "vendor_id", ':').flatMap(v -> switch (v) {
            case "GenuineIntel" -> Optional.of(INTEL);
            case "AuthenticAMD", "HygonGenuine" -> Optional.of(AMD);
            default -> Optional.empty();
        });
    }
}
