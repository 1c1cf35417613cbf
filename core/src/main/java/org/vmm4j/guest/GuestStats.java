package org.vmm4j.guest;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.vmm4j.internal.ArrayMap;

/**
 * One guest's statistics from one bulk query (libvirt's {@code virConnectGetAllDomainStats}). Values a
 * manager did not report are {@code -1}.
 *
 * @param name           the guest's name
 * @param state          lifecycle state
 * @param reason         the manager's reason code for the state
 * @param cpuTime        total CPU time used by the guest
 * @param memoryBytes    memory currently assigned (balloon current)
 * @param maxMemoryBytes memory it may grow to (balloon maximum)
 * @param vcpus          per-vCPU figures
 * @param interfaces     per-interface traffic
 * @param blocks         per-disk I/O
 * @param raw            every field as reported, by libvirt's name (e.g. {@code "cpu.user"}), for
 *                       figures the typed parts do not carry
 */
public record GuestStats(
        String name,
        GuestState state,
        int reason,
        Duration cpuTime,
        long memoryBytes,
        long maxMemoryBytes,
        List<Vcpu> vcpus,
        List<Interface> interfaces,
        List<Block> blocks,
        Map<String, Object> raw) {

    public GuestStats {
        vcpus = List.copyOf(vcpus);
        interfaces = List.copyOf(interfaces);
        blocks = List.copyOf(blocks);
        raw = raw instanceof ArrayMap ? raw : Map.copyOf(raw); // ArrayMap: immutable already
    }

    /** A virtual CPU: its index, the manager's state code for it, and the CPU time it used. */
    public record Vcpu(int index, int state, Duration time) {}

    /** A network interface's counters since the guest started. */
    public record Interface(
            String name,
            long rxBytes,
            long rxPackets,
            long rxErrors,
            long rxDrops,
            long txBytes,
            long txPackets,
            long txErrors,
            long txDrops) {}

    /** A disk's counters since the guest started, and its size. */
    public record Block(
            String name,
            String path,
            long readRequests,
            long readBytes,
            long writeRequests,
            long writeBytes,
            long capacityBytes,
            long allocationBytes) {}
}
