package org.vmm4j;

/** GDTR or IDTR: linear base address and limit (size in bytes minus one). */
public record DescriptorTable(long base, int limit) {}
