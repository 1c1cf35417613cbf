package org.vmm4j;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the host offers for one kind of hypervisor ({@code kvm}, {@code libvirt}, {@code qemu},
 * {@code bhyve}, {@code openbsd-vmm}, {@code vmd}).
 *
 * @param kind            the hypervisor kind
 * @param available       its device, library or program exists
 * @param accessible      this user may use it (device r/w, socket connectable)
 * @param enabled         it is configured to be used (module loaded, service enabled)
 * @param running         its daemon runs, where it has one
 * @param initialized     the kernel side finished initialising (bhyve's hw.vmm.*.initialized)
 * @param cpuSupported    the CPU has the virtualization extensions it needs
 * @param kernelSupported the running kernel supports it
 * @param nested          nested virtualization is enabled
 * @param uefiFirmware    UEFI firmware for guests is installed
 * @param version         its version, or {@code null} when unknown
 * @param details         further facts, e.g. {@code apiVersion}, {@code soname}, how a fact was decided
 */
public record HypervisorInfo(
        String kind,
        Fact available,
        Fact accessible,
        Fact enabled,
        Fact running,
        Fact initialized,
        Fact cpuSupported,
        Fact kernelSupported,
        Fact nested,
        Fact uefiFirmware,
        String version,
        Map<String, String> details) {

    public HypervisorInfo {
        Objects.requireNonNull(kind, "kind");
        details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    public static Builder builder(String kind) {
        return new Builder(kind);
    }

    /** Collects facts; anything not set stays {@link Fact#UNKNOWN}. */
    public static final class Builder {
        private final String kind;
        private Fact available = Fact.UNKNOWN,
                accessible = Fact.UNKNOWN,
                enabled = Fact.UNKNOWN,
                running = Fact.UNKNOWN,
                initialized = Fact.UNKNOWN,
                cpuSupported = Fact.UNKNOWN,
                kernelSupported = Fact.UNKNOWN,
                nested = Fact.UNKNOWN,
                uefiFirmware = Fact.UNKNOWN;
        private String version;
        private final Map<String, String> details = new LinkedHashMap<>();

        private Builder(String kind) {
            this.kind = kind;
        }

        public Builder available(Fact f) {
            available = f;
            return this;
        }

        public Builder accessible(Fact f) {
            accessible = f;
            return this;
        }

        public Builder enabled(Fact f) {
            enabled = f;
            return this;
        }

        public Builder running(Fact f) {
            running = f;
            return this;
        }

        public Builder initialized(Fact f) {
            initialized = f;
            return this;
        }

        public Builder cpuSupported(Fact f) {
            cpuSupported = f;
            return this;
        }

        public Builder kernelSupported(Fact f) {
            kernelSupported = f;
            return this;
        }

        public Builder nested(Fact f) {
            nested = f;
            return this;
        }

        public Builder uefiFirmware(Fact f) {
            uefiFirmware = f;
            return this;
        }

        public Builder version(String v) {
            version = v;
            return this;
        }

        public Builder detail(String key, Object value) {
            if (value != null) {
                details.put(key, String.valueOf(value));
            }
            return this;
        }

        public HypervisorInfo build() {
            return new HypervisorInfo(
                    kind,
                    available,
                    accessible,
                    enabled,
                    running,
                    initialized,
                    cpuSupported,
                    kernelSupported,
                    nested,
                    uefiFirmware,
                    version,
                    details);
        }
    }
}
