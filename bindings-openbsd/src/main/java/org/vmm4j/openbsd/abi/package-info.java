/**
 * vmm(4)'s kernel ABI on amd64 as data: {@link org.vmm4j.openbsd.abi.CStruct} layouts computed by the
 * System V rules, {@link org.vmm4j.internal.nat.BsdIoctl} request encoding, constants of
 * {@code sys/dev/vmm/vmm.h} and {@code machine/vmmvar.h} ({@link org.vmm4j.openbsd.abi.VmmVar}) and the
 * per-release differences ({@link org.vmm4j.openbsd.abi.VmmAbi}). Every size, offset and request number
 * is compared with gcc's answer by the tests.
 */
package org.vmm4j.openbsd.abi;
