package org.vmm4j.freebsd.guest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.NicSpec;

/**
 * A bhyve guest as vmm4j persists it: the portable spec, its UUID and the bhyve-only options. Stored
 * as {@code key=value} lines ({@link #format()}, {@link #parse(String)}), one file per guest.
 */
public record GuestDefinition(GuestSpec spec, UUID uuid, BhyveGuestOptions options) {
    static final String VERSION = "1";

    public GuestDefinition {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(options, "options");
    }

    public String name() {
        return spec.name();
    }

    public GuestDefinition withSpec(GuestSpec newSpec) {
        return new GuestDefinition(newSpec, uuid, options);
    }

    public String format() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("vmm4j.guest", VERSION);
        m.put("name", spec.name());
        m.put("uuid", uuid.toString());
        m.put("memory", Long.toString(spec.memoryBytes()));
        m.put("topology", spec.sockets() + "," + spec.cores() + "," + spec.threads());
        m.put("cpuMode", spec.cpuMode().name());
        m.put("serialConsole", Boolean.toString(spec.serialConsole()));
        m.put("vnc", Boolean.toString(spec.vnc()));
        m.put("autostart", Boolean.toString(spec.autostart()));
        m.put("accelerator", spec.accelerator().name());
        BootSpec boot = spec.boot();
        m.put("boot.firmware", boot.firmware().name());
        List<String> order = new ArrayList<>();
        boot.order().forEach(d -> order.add(d.name()));
        m.put("boot.order", String.join(",", order));
        putIf(m, "boot.kernel", boot.kernel());
        putIf(m, "boot.initrd", boot.initrd());
        putIf(m, "boot.cmdline", boot.cmdline());
        for (int i = 0; i < spec.disks().size(); i++) {
            DiskSpec d = spec.disks().get(i);
            m.put(
                    "disk." + i,
                    String.join(
                            ",",
                            d.type().name(),
                            d.format().name(),
                            d.bus().name(),
                            Boolean.toString(d.cdrom()),
                            Boolean.toString(d.readOnly())));
            m.put("disk." + i + ".source", d.source());
        }
        for (int i = 0; i < spec.nics().size(); i++) {
            NicSpec n = spec.nics().get(i);
            m.put("nic." + i, n.type().name() + "," + n.model() + "," + (n.mac() == null ? "" : n.mac()));
            putIf(m, "nic." + i + ".source", n.source());
        }
        m.put("bhyve.wired", Boolean.toString(options.wiredMemory()));
        options.cpuPinning().forEach((cpu, set) -> m.put("bhyve.pin." + cpu, set));
        putIf(m, "bhyve.vncAddress", options.vncAddress());
        m.put("bhyve.vncWait", Boolean.toString(options.vncWait()));
        StringBuilder out = new StringBuilder();
        m.forEach((k, v) -> {
            if (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
                throw new IllegalArgumentException(k + " must not contain a line break");
            }
            out.append(k).append('=').append(v).append('\n');
        });
        return out.toString();
    }

    private static void putIf(Map<String, String> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    /**
     * Reads what {@link #format()} wrote.
     *
     * @throws IllegalArgumentException naming the first problem
     */
    public static GuestDefinition parse(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("not key=value: " + line);
            }
            m.put(line.substring(0, eq), line.substring(eq + 1));
        }
        if (!VERSION.equals(m.get("vmm4j.guest"))) {
            throw new IllegalArgumentException("not a vmm4j guest definition of version " + VERSION);
        }
        String[] topo = req(m, "topology").split(",");
        GuestSpec.Builder b = GuestSpec.builder(req(m, "name"))
                .memoryBytes(Long.parseLong(req(m, "memory")))
                .topology(Integer.parseInt(topo[0]), Integer.parseInt(topo[1]), Integer.parseInt(topo[2]))
                .cpuMode(GuestSpec.CpuMode.valueOf(req(m, "cpuMode")))
                .serialConsole(Boolean.parseBoolean(req(m, "serialConsole")))
                .vnc(Boolean.parseBoolean(req(m, "vnc")))
                .autostart(Boolean.parseBoolean(req(m, "autostart")))
                // definitions written before the accelerator existed have none: AUTO
                .accelerator(Accelerator.valueOf(m.getOrDefault("accelerator", Accelerator.AUTO.name())));
        List<BootSpec.Device> order = new ArrayList<>();
        for (String d : req(m, "boot.order").split(",")) {
            if (!d.isEmpty()) {
                order.add(BootSpec.Device.valueOf(d));
            }
        }
        b.boot(new BootSpec(
                BootSpec.Firmware.valueOf(req(m, "boot.firmware")),
                order,
                m.get("boot.kernel"),
                m.get("boot.initrd"),
                m.get("boot.cmdline")));
        for (int i = 0; m.containsKey("disk." + i); i++) {
            String[] f = m.get("disk." + i).split(",", -1);
            b.disk(new DiskSpec(
                    req(m, "disk." + i + ".source"),
                    DiskSpec.SourceType.valueOf(f[0]),
                    DiskSpec.Format.valueOf(f[1]),
                    DiskSpec.Bus.valueOf(f[2]),
                    Boolean.parseBoolean(f[3]),
                    Boolean.parseBoolean(f[4])));
        }
        for (int i = 0; m.containsKey("nic." + i); i++) {
            String[] f = m.get("nic." + i).split(",", -1);
            b.nic(new NicSpec(
                    NicSpec.Type.valueOf(f[0]), m.get("nic." + i + ".source"), f[1], f[2].isEmpty() ? null : f[2]));
        }
        Map<Integer, String> pins = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (k.startsWith("bhyve.pin.")) {
                pins.put(Integer.parseInt(k.substring("bhyve.pin.".length())), v);
            }
        });
        BhyveGuestOptions options = new BhyveGuestOptions(
                Boolean.parseBoolean(m.get("bhyve.wired")),
                pins,
                m.get("bhyve.vncAddress"),
                Boolean.parseBoolean(m.get("bhyve.vncWait")));
        return new GuestDefinition(b.build(), UUID.fromString(req(m, "uuid")), options);
    }

    private static String req(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("guest definition has no " + key);
        }
        return v;
    }
}
