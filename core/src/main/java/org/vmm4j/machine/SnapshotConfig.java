package org.vmm4j.machine;

import java.util.List;
import java.util.Objects;
import org.vmm4j.CpuidEntry;
import org.vmm4j.x86.Irqchip;

/**
 * What a snapshot records to build the machine again before its state is put back.
 *
 * @param hypervisorKind the backend that saved the state ({@code kvm}); its sections are its own
 * @param memorySize     guest RAM in bytes (the memory file's length)
 * @param vcpus          the vCPU count
 * @param irqchip        where the interrupt controllers were
 * @param cpuModel       the CPU model, as {@link org.vmm4j.x86.CpuModel#parse} reads it
 * @param cpuid          the CPUID leaves the vCPUs were created with
 * @param commandLine    the kernel command line the guest was given (for the record: the kernel is not
 *                       loaded again)
 * @param virtio         the virtio devices, slot by slot
 */
record SnapshotConfig(
        String hypervisorKind,
        long memorySize,
        int vcpus,
        Irqchip irqchip,
        String cpuModel,
        List<CpuidEntry> cpuid,
        String commandLine,
        List<VirtioSpec> virtio) {

    SnapshotConfig {
        Objects.requireNonNull(hypervisorKind, "hypervisorKind");
        Objects.requireNonNull(irqchip, "irqchip");
        Objects.requireNonNull(cpuModel, "cpuModel");
        Objects.requireNonNull(commandLine, "commandLine");
        cpuid = List.copyOf(cpuid);
        virtio = List.copyOf(virtio);
    }

    void write(StateEncoder out) {
        out.string(hypervisorKind)
                .i64(memorySize)
                .i32(vcpus)
                .string(irqchip.name())
                .string(cpuModel)
                .string(commandLine)
                .i32(cpuid.size());
        for (CpuidEntry e : cpuid) {
            out.i32(e.function())
                    .i32(e.index())
                    .i32(e.flags())
                    .i32(e.eax())
                    .i32(e.ebx())
                    .i32(e.ecx())
                    .i32(e.edx());
        }
        out.i32(virtio.size());
        for (VirtioSpec v : virtio) {
            VirtioSpec.write(v, out);
        }
    }

    static SnapshotConfig read(StateDecoder in) {
        String kind = in.string();
        long memory = in.i64();
        int vcpus = in.i32("vCPU count", 1, 4096);
        String irqchipName = in.string();
        Irqchip irqchip;
        try {
            irqchip = Irqchip.valueOf(irqchipName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown irqchip placement '" + irqchipName + "'", e);
        }
        String model = in.string();
        String cmdline = in.string();
        int leaves = in.i32("CPUID leaf count", 0, 4096);
        CpuidEntry[] cpuid = new CpuidEntry[leaves];
        for (int i = 0; i < leaves; i++) {
            cpuid[i] = new CpuidEntry(in.i32(), in.i32(), in.i32(), in.i32(), in.i32(), in.i32(), in.i32());
        }
        int devices = in.i32("virtio device count", 0, 64);
        VirtioSpec[] virtio = new VirtioSpec[devices];
        for (int i = 0; i < devices; i++) {
            virtio[i] = VirtioSpec.read(in);
        }
        if (memory <= 0 || memory % 4096 != 0) {
            throw new IllegalArgumentException("guest memory of " + memory + " bytes is not a whole number of pages");
        }
        return new SnapshotConfig(kind, memory, vcpus, irqchip, model, List.of(cpuid), cmdline, List.of(virtio));
    }
}
