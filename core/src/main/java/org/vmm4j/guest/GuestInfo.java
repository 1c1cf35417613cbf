package org.vmm4j.guest;

import java.time.Duration;

/**
 * A guest's state and size right now.
 *
 * @param state          lifecycle state
 * @param reason         the manager's reason code for the state (e.g. libvirt's shutoff reason), or 0
 * @param memoryBytes    memory currently assigned
 * @param maxMemoryBytes memory it may grow to
 * @param vcpus          virtual CPUs
 * @param cpuTime        CPU time the guest has used
 */
public record GuestInfo(
        GuestState state, int reason, long memoryBytes, long maxMemoryBytes, int vcpus, Duration cpuTime) {}
