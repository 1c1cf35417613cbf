/**
 * The C side of the Linux backends, written down once: {@link org.vmm4j.linux.abi.KvmHeader}
 * (ioctl request numbers, capabilities, exit reasons and flags of {@code <linux/kvm.h>}),
 * {@link org.vmm4j.linux.abi.KvmStructs} (sizes and field offsets of its structs) and
 * {@link org.vmm4j.linux.abi.LibvirtLayout} (struct offsets and enum values of
 * {@code <libvirt/libvirt.h>}). Plain constants in the shape jextract would produce, no behaviour; each
 * value is compared with the C compiler's answer by the module's layout tests, so a wrong offset fails
 * a build instead of corrupting memory.
 */
package org.vmm4j.linux.abi;
