/**
 * Preparing a Linux host for KVM guests through libvirt: {@link org.vmm4j.linux.host.LinuxHostSetup}
 * builds the reviewable {@link org.vmm4j.host.HostPlan} (packages, KVM module, libvirtd, groups, the
 * default NAT network) for a {@link org.vmm4j.linux.host.LinuxFamily} of distributions.
 */
package org.vmm4j.linux.host;
