package org.vmm4j;

import java.util.List;
import java.util.Optional;
import org.vmm4j.internal.JsonWriter;

/**
 * What the host offers, found without opening anything exclusive: see {@link Hypervisor#probe()}.
 *
 * @param os            operating system name
 * @param osVersion     kernel release
 * @param arch          CPU architecture
 * @param nativeAccess  the native seam in use ({@code ffm}, {@code jna}) or why there is none
 * @param hypervisors   one entry per hypervisor kind the installed backends know
 */
public record HostCapabilities(
        String os, String osVersion, String arch, String nativeAccess, List<HypervisorInfo> hypervisors) {

    public HostCapabilities {
        hypervisors = List.copyOf(hypervisors);
    }

    public Optional<HypervisorInfo> hypervisor(String kind) {
        for (HypervisorInfo info : hypervisors) {
            if (info.kind().equals(kind)) {
                return Optional.of(info);
            }
        }
        return Optional.empty();
    }

    /** The whole value as a JSON object. */
    public String toJson() {
        JsonWriter json = new JsonWriter();
        json.beginObject()
                .field("os", os)
                .field("osVersion", osVersion)
                .field("arch", arch)
                .field("nativeAccess", nativeAccess)
                .name("hypervisors")
                .beginArray();
        for (HypervisorInfo h : hypervisors) {
            json.beginObject()
                    .field("kind", h.kind())
                    .field("available", h.available().label())
                    .field("accessible", h.accessible().label())
                    .field("enabled", h.enabled().label())
                    .field("running", h.running().label())
                    .field("initialized", h.initialized().label())
                    .field("cpuSupported", h.cpuSupported().label())
                    .field("kernelSupported", h.kernelSupported().label())
                    .field("nested", h.nested().label())
                    .field("uefiFirmware", h.uefiFirmware().label())
                    .field("version", h.version())
                    .name("details")
                    .beginObject();
            h.details().forEach(json::field);
            json.endObject().endObject();
        }
        return json.endArray().endObject().toString();
    }
}
