/**
 * The OpenBSD host: what it offers ({@link org.vmm4j.openbsd.host.OpenBsdProbe}, decided from
 * {@link org.vmm4j.host.HostFacts} alone so recorded hosts replay in tests;
 * {@link org.vmm4j.openbsd.host.LiveOpenBsdHostFacts} reads the running one, sysctls through sysctl(3))
 * and the plans that prepare it for vmd ({@link org.vmm4j.openbsd.host.OpenBsdPlans}: setup, local,
 * bridged and routed NAT networking).
 */
package org.vmm4j.openbsd.host;
