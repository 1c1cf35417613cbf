/**
 * What a Linux host offers and how to prepare it. {@link org.vmm4j.linux.host.LinuxProbe} answers
 * {@code Hypervisor.probe()} for KVM, libvirt and QEMU from {@link org.vmm4j.linux.host.LinuxHostFacts}
 * alone (files under /proc, /sys and /dev, sysctls, programs' output, the KVM API version, libvirt's
 * client library), so the decisions are tested against facts recorded on real hosts;
 * {@link org.vmm4j.linux.host.LiveLinuxHostFacts} reads the running host. A fact the host does not
 * give stays unknown, never "no". {@link org.vmm4j.linux.host.LinuxHostSetup} builds the reviewable
 * {@link org.vmm4j.host.HostPlan} that prepares a host (packages, KVM module, libvirtd, groups, the
 * default NAT network) for a {@link org.vmm4j.linux.host.LinuxFamily} of distributions.
 */
package org.vmm4j.linux.host;
