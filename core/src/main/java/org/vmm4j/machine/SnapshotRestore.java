package org.vmm4j.machine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vmm4j.CpuidEntry;
import org.vmm4j.StateSection;
import org.vmm4j.VirtualCpu;
import org.vmm4j.virtio.VirtioMmio;
import org.vmm4j.x86.CpuFeature;
import org.vmm4j.x86.CpuModel;
import org.vmm4j.x86.X86Platform;

/** The steps of a restore that {@link Machine}'s recipe calls, and the owners the sections are filed under. */
final class SnapshotRestore {
    static final String VM = "vm";
    static final String DEVICES = "devices";

    private SnapshotRestore() {}

    static String vcpu(int id) {
        return "vcpu." + id;
    }

    static String virtioSection(int slot) {
        return "virtio-mmio." + slot;
    }

    /**
     * Refuses a snapshot of another hypervisor backend, or whose CPUID shows features that {@code model}
     * applied to this host's supported CPUID does not: the guest may use them.
     */
    static void checkHost(SnapshotConfig config, String kind, CpuModel model, List<CpuidEntry> supported, Path dir) {
        if (!config.hypervisorKind().equals(kind)) {
            throw new SnapshotException("the snapshot in " + dir + " was taken on the " + config.hypervisorKind()
                    + " backend; this is " + kind);
        }
        List<CpuidEntry> here;
        try {
            here = model.apply(supported);
        } catch (IllegalArgumentException e) {
            throw new SnapshotException(
                    "the snapshot in " + dir + " needs CPU model " + model + ", which this host cannot offer: "
                            + e.getMessage(),
                    e);
        }
        List<String> missing = missingFeatures(config.cpuid(), here);
        if (!missing.isEmpty()) {
            throw new SnapshotException("the snapshot in " + dir + " was taken on a CPU with features this host lacks: "
                    + String.join(", ", missing));
        }
    }

    /** The named features set in {@code saved} and clear (or absent) in {@code host}. */
    static List<String> missingFeatures(List<CpuidEntry> saved, List<CpuidEntry> host) {
        List<String> missing = new ArrayList<>();
        for (CpuFeature f : CpuFeature.values()) {
            if (CpuModel.offers(saved, f) && !CpuModel.offers(host, f)) {
                missing.add(f.linuxName());
            }
        }
        return missing;
    }

    static void restoreTransport(VirtioMmio transport, int slot, SnapshotFile.Contents image, Path dir) {
        String name = virtioSection(slot);
        try {
            transport.restoreState(image.get(DEVICES, name), name);
        } catch (IllegalArgumentException e) {
            throw new SnapshotException("restoring " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The vCPUs, then the VM, then the PC devices and the IOAPIC of a split irqchip. */
    static void restoreMachine(
            X86Platform platform,
            List<VirtualCpu> cpus,
            PcDevices devices,
            IoApic ioApic,
            SnapshotFile.Contents image,
            Path dir) {
        try {
            for (VirtualCpu cpu : cpus) {
                List<StateSection> state = image.of(vcpu(cpu.id()));
                if (state.isEmpty()) {
                    throw new IllegalArgumentException("the snapshot has no state for vCPU " + cpu.id());
                }
                platform.restoreVcpuState(cpu, state);
            }
            platform.restoreVmState(image.of(VM));
            devices.serial().restoreState(image.get(DEVICES, Uart16550.STATE_SECTION));
            devices.rtc().restoreState(image.get(DEVICES, CmosRtc.STATE_SECTION));
            devices.keyboardController().restoreState(image.get(DEVICES, I8042.STATE_SECTION));
            devices.bootTimer().restoreState(image.get(DEVICES, BootTimer.STATE_SECTION));
            if (ioApic != null) {
                ioApic.restoreState(image.get(DEVICES, IoApic.STATE_SECTION));
            }
        } catch (IllegalArgumentException e) {
            throw new SnapshotException("restoring " + dir + ": " + e.getMessage(), e);
        }
    }
}
