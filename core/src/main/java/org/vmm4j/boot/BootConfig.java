package org.vmm4j.boot;

import java.util.Objects;

/**
 * What to boot and on what machine shape.
 *
 * @param kernel      the kernel and its entry
 * @param memorySize  guest RAM in bytes, laid out by {@link Layout#ramRanges}
 * @param vcpus       number of vCPUs the MP table announces (1 to {@link MpTable#MAX_VCPUS})
 * @param commandLine the kernel command line (ASCII, no NUL)
 * @param initrd      the initial RAM disk, or {@code null}
 */
@SuppressWarnings("ArrayRecordComponent") // the initrd is a payload, never compared or hashed
public record BootConfig(LinuxKernel kernel, long memorySize, int vcpus, String commandLine, byte[] initrd) {

    public BootConfig {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(commandLine, "commandLine");
    }
}
