package org.vmm4j.linux.host;

import java.util.Optional;

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
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("vendor_id")) {
                String v = line.substring(line.indexOf(':') + 1).strip();
                return switch (v) {
                    case "GenuineIntel" -> Optional.of(INTEL);
                    case "AuthenticAMD", "HygonGenuine" -> Optional.of(AMD);
                    default -> Optional.empty();
                };
            }
        }
        return Optional.empty();
    }
}
