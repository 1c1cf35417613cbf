/**
 * Virtio 1.x for in-process machines: split virtqueues read from guest RAM
 * ({@link org.vmm4j.virtio.Virtqueue}, {@link org.vmm4j.virtio.DescriptorChain}) and the virtio-mmio
 * version 2 transport ({@link org.vmm4j.virtio.VirtioMmio}), which a concrete device (block, network,
 * vsock, console, entropy) plugs into through {@link org.vmm4j.virtio.VirtioDevice}. The rings are
 * written by a guest that may be hostile: every descriptor, ring and index is checked against guest
 * RAM ({@link org.vmm4j.virtio.GuestRam}) and the queue size before it is used, and a violation is a
 * {@link org.vmm4j.virtio.VirtqueueException} naming its {@link org.vmm4j.virtio.VirtqueueException.Problem},
 * which the transport turns into DEVICE_NEEDS_RESET instead of an exception on a vCPU thread. Reading a
 * chain and returning it through the used ring allocate nothing.
 */
package org.vmm4j.virtio;
