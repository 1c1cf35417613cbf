/**
 * Managed guests (tier 2): VMs that a manager runs — libvirtd with QEMU on Linux, bhyve(8) processes
 * supervised by vmm4j on FreeBSD, vmd on OpenBSD. {@link org.vmm4j.guest.GuestManager#connect()} reaches
 * the host's manager; {@link org.vmm4j.guest.GuestSpec} describes a guest to define;
 * {@link org.vmm4j.guest.Guest} handles start, stop, state, addresses, snapshots and console. What a
 * manager cannot do throws {@link java.lang.UnsupportedOperationException} saying so, the same on every
 * backend.
 */
package org.vmm4j.guest;
